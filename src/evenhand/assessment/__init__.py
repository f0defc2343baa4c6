"""Assessment, tier, sentence plan and pre-sentence report: each fact recorded once, the diversity conversation at
the centre (issue 14)."""
