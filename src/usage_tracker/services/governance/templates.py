"""Named rate-limit templates: create from a project, edit, delete, import/export, assign, apply.

A template maps model → {limit field: value}. Applying matches a project's limits by model (never
by rate-limit id: ids belong to one project), previews current → new, and changes only fields
that differ. Two file formats are read: the tracker's own

    {"format": "usage-tracker.rate-limit-template", "version": 1, "name": "...",
     "description": "...", "limits": {"gpt-4o": {"max_requests_per_1_minute": 500, ...}}}

and the older array `[{"id", "model", "max_requests_per_1_minute", "max_tokens_per_1_minute"}]`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.models import RateLimitTemplate, RateLimitTemplateAssignment
from usage_tracker.db.queries.template_assignments import assign_template_id
from usage_tracker.domain.admin_records import RATE_LIMIT_FIELDS
from usage_tracker.services.audit.log import record_audit
from usage_tracker.services.governance import bulk
from usage_tracker.services.governance.bulk_operations import UPDATE, PlannedItem, create_operation
from usage_tracker.services.governance.rate_limits import ActionResult, Plan, Skip, current_limits

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


FORMAT = "usage-tracker.rate-limit-template"
LEGACY_FIELDS = ("max_requests_per_1_minute", "max_tokens_per_1_minute")
Limits = dict[str, dict[str, int]]


class TemplateFormatError(ValueError):
    pass


def list_templates(session: Session, organization_id: int) -> list[RateLimitTemplate]:
    q = select(RateLimitTemplate).where(RateLimitTemplate.organization_id == organization_id)
    return list(session.scalars(q.order_by(RateLimitTemplate.name)))


def get_template(session: Session, organization_id: int, name: str) -> RateLimitTemplate:
    found = session.scalar(
        select(RateLimitTemplate).where(
            RateLimitTemplate.organization_id == organization_id, RateLimitTemplate.name == name
        )
    )
    if found is None:
        raise LookupError(f"no rate-limit template named {name!r} in this organization")
    return found


def validate_limits(limits: Any) -> Limits:
    """model → {field: non-negative int}, or TemplateFormatError saying what is wrong."""
    if not isinstance(limits, dict) or not limits:
        raise TemplateFormatError("a template needs limits for at least one model")
    out: Limits = {}
    for model, fields in limits.items():
        if not isinstance(model, str) or not model.strip() or not isinstance(fields, dict):
            raise TemplateFormatError(f"limits of {model!r} must be an object of limit fields")
        for name, value in fields.items():
            if name not in RATE_LIMIT_FIELDS:
                raise TemplateFormatError(f"{model}: unknown limit field {name!r}")
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise TemplateFormatError(f"{model}: {name} must be a non-negative integer")
        out[model.strip()] = {k: v for k, v in fields.items() if v is not None}
    return out


def parse_template(data: Any) -> tuple[Limits, str | None]:
    """(limits, description) from either file format."""
    if isinstance(data, list):
        limits: dict[str, dict[str, Any]] = {}
        for n, entry in enumerate(data):
            if not isinstance(entry, dict) or not isinstance(entry.get("model"), str):
                raise TemplateFormatError(f"entry {n} of the array has no model")
            fields = {f: entry[f] for f in RATE_LIMIT_FIELDS if entry.get(f) is not None}
            limits[entry["model"]] = fields
        return validate_limits(limits), None
    if isinstance(data, dict) and "limits" in data:
        if data.get("format", FORMAT) != FORMAT:
            raise TemplateFormatError(f"unknown template format {data.get('format')!r}")
        description = data.get("description")
        return validate_limits(data["limits"]), description if isinstance(
            description, str
        ) else None
    raise TemplateFormatError(
        'not a rate-limit template: expected the tracker\'s object with "limits" or an array '
        "of {id, model, max_requests_per_1_minute, max_tokens_per_1_minute}"
    )


def export_template(template: RateLimitTemplate, fmt: str = "tracker") -> Any:
    """The tracker's format, or `legacy`: the older array (its two fields only)."""
    if fmt == "legacy":
        return [
            {
                "id": f"rl-{model}",
                "model": model,
                **{f: v for f, v in fields.items() if f in LEGACY_FIELDS},
            }
            for model, fields in sorted(template.limits.items())
        ]
    return {
        "format": FORMAT,
        "version": 1,
        "name": template.name,
        "description": template.description,
        "limits": dict(sorted(template.limits.items())),
    }


def _audit(
    session: Session, t: RateLimitTemplate, action: str, actor: str, before: Any, after: Any
) -> None:
    record_audit(
        session,
        organization_id=t.organization_id,
        actor=actor,
        action=action,
        target_type="template",
        target_id=t.name,
        before=before,
        after=after,
        result="ok",
    )


def save_template(
    session: Session,
    organization_id: int,
    name: str,
    limits: Any,
    *,
    actor: str,
    description: str | None = None,
) -> RateLimitTemplate:
    """Create the template, or replace its limits (and description when given). Audited."""
    name = name.strip()
    if not name:
        raise ValueError("a template needs a name")
    checked = validate_limits(limits)
    try:
        template = get_template(session, organization_id, name)
        before: Any = {"description": template.description, "limits": template.limits}
    except LookupError:
        template = RateLimitTemplate(organization_id=organization_id, name=name)
        session.add(template)
        before = None
    template.limits = checked
    if description is not None:
        template.description = description
    session.flush()
    after = {"description": template.description, "limits": checked}
    _audit(
        session, template, "template.update" if before else "template.create", actor, before, after
    )
    session.commit()
    return template


def import_template(
    session: Session, organization_id: int, name: str, data: Any, *, actor: str
) -> RateLimitTemplate:
    limits, description = parse_template(data)
    return save_template(
        session, organization_id, name, limits, actor=actor, description=description
    )


def template_from_project(
    session: Session,
    client: AdminClient,
    organization_id: int,
    name: str,
    project_id: str,
    *,
    actor: str,
) -> RateLimitTemplate:
    """A template holding every limit the project has now (read from the API)."""
    current = current_limits(session, client, organization_id, project_id)
    limits = {c["model"]: {f: c[f] for f in RATE_LIMIT_FIELDS if f in c} for c in current}
    return save_template(
        session,
        organization_id,
        name,
        limits,
        actor=actor,
        description=f"from project {project_id}",
    )


def delete_template(session: Session, organization_id: int, name: str, *, actor: str) -> None:
    template = get_template(session, organization_id, name)
    _audit(session, template, "template.delete", actor, export_template(template), None)
    session.delete(template)
    session.commit()


def assign_template(
    session: Session, organization_id: int, name: str, project_ids: Iterable[str], *, actor: str
) -> None:
    """Record that these projects should follow the template (drift is measured to it)."""
    template = get_template(session, organization_id, name)
    for pid in project_ids:
        assign_template_id(session, organization_id, pid, template.id)
        record_audit(
            session,
            organization_id=organization_id,
            actor=actor,
            action="template.assign",
            target_type="project",
            target_id=pid,
            before=None,
            after={"template": name},
            result="ok",
        )
    session.commit()


def assignments(session: Session, organization_id: int) -> dict[str, RateLimitTemplate]:
    q = (
        select(RateLimitTemplateAssignment.project_id, RateLimitTemplate)
        .join(RateLimitTemplate, RateLimitTemplate.id == RateLimitTemplateAssignment.template_id)
        .where(RateLimitTemplateAssignment.organization_id == organization_id)
    )
    return {pid: t for pid, t in session.execute(q)}


def plan_apply(template: RateLimitTemplate, project_id: str, current: list[dict[str, Any]]) -> Plan:
    plan = Plan()
    by_model = {c["model"]: c for c in current}
    for model, fields in sorted(template.limits.items()):
        now = by_model.get(model)
        if now is None:
            plan.skipped.append(Skip(project_id, model, "the project has no limit for this model"))
            continue
        change = {f: v for f, v in fields.items() if now.get(f) != v}
        if change:
            plan.items.append(PlannedItem(UPDATE, project_id, now["id"], model, change, now))
    return plan


def apply_template(
    session: Session,
    client: AdminClient,
    organization_id: int,
    name: str,
    project_ids: list[str],
    *,
    actor: str,
    dry_run: bool = False,
    run: bool = True,
    max_workers: int = bulk.DEFAULT_WORKERS,
) -> ActionResult:
    """Preview (dry run) or apply a template to projects; on full success they are assigned it.
    `run=False`: the operation is stored, pending, for `bulk_runner` to run in the background."""
    template = get_template(session, organization_id, name)
    plan = Plan()
    for pid in project_ids:
        part = plan_apply(template, pid, current_limits(session, client, organization_id, pid))
        plan.items += part.items
        plan.skipped += part.skipped
    if dry_run:
        return ActionResult(plan)
    op = create_operation(
        session,
        organization_id,
        "template.apply",
        actor,
        f"apply template {name} to {len(project_ids)} project(s)",
        plan.items,
        {"template_id": template.id, "projects": list(project_ids), "target": ("template", name)},
    )
    if not run:
        return ActionResult(plan, op)
    return ActionResult(plan, bulk.run_operation(session, client, op, max_workers=max_workers))
