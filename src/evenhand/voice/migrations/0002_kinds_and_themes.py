"""The kinds of concern the issue names, with their questionnaire prompts, and a starting list of themes.
Both are data: a deployment can add, rename or retire them."""

from django.db import migrations

KINDS = [
    ("racism", "Racism or other discrimination",
     "What was said or done, and why you think it was because of race, religion, sex, disability, sexual "
     "orientation or another characteristic. Include small repeated things (micro-aggressions) too."),
    ("bullying", "Bullying or harassment",
     "What was said or done, how often, and how it affected you or others."),
    ("sexual-harassment", "Sexual harassment",
     "What was said or done. Give only as much detail as you are comfortable with; a handler may ask more."),
    ("safeguarding", "A safeguarding or practice concern",
     "What the risk or poor practice is, who could be harmed, and whether it is still happening."),
    ("other", "Something else", "What happened, and why it concerns you."),
]
THEMES = [
    ("micro-aggressions", "Micro-aggressions"),
    ("threats", "Threats or intimidation"),
    ("allocation", "Allocation of work"),
    ("progression", "Progression and promotion"),
    ("confidentiality", "Confidentiality broken"),
    ("management-response", "How a manager responded"),
]


def add(apps, schema_editor):
    ConcernKind = apps.get_model("voice", "ConcernKind")
    Theme = apps.get_model("voice", "Theme")
    for position, (code, name, prompt) in enumerate(KINDS):
        ConcernKind.objects.update_or_create(code=code, defaults={"name": name, "prompt": prompt, "position": position})
    for code, name in THEMES:
        Theme.objects.update_or_create(code=code, defaults={"name": name})


def remove(apps, schema_editor):
    apps.get_model("voice", "ConcernKind").objects.filter(code__in=[k[0] for k in KINDS], concerns__isnull=True).delete()
    apps.get_model("voice", "Theme").objects.filter(code__in=[t[0] for t in THEMES]).delete()


class Migration(migrations.Migration):
    dependencies = [("voice", "0001_concerns")]
    operations = [migrations.RunPython(add, remove)]
