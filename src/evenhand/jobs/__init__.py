"""Long work on a task queue: each piece of it a :class:`~.models.Job` that a worker runs, with its progress,
its result, and a status page (ADR 11).

An app registers the kinds of job it runs (:mod:`.registry`) from its ``AppConfig.ready``; the queue itself
is django-tasks with its database backend, run by ``evenhand worker``.
"""
