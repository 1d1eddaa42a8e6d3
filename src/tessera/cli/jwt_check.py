"""``tessera jwt check``: each check a login token goes through, with PASS/FAIL and why.

Pure: it reads the config and the token and starts no server, so an
operator can ask why an IdP's token is refused before deploying. Which user
the token reaches (its provider's links), and whether that user exists or
is deactivated, needs the database: ``jwt_check_links`` adds those lines
when the database can be read, and a note when it cannot.

The checks are the verifier's own steps (``core.jwt_login``,
``core.jwt_claims``), run one by one so a failure does not hide the rest;
the verdict is ``verify()``'s, so the report cannot disagree with a login.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from tessera.core.errors import MatrixError
from tessera.core.ids import check_new_localpart, check_subject_can_match, user_id_for
from tessera.core.jwt_claims import (
    Claims,
    ClaimValue,
    check_audience,
    check_expiry,
    check_issued_at,
    check_issuer,
    check_lifetime,
    check_not_before,
    check_required_claim,
    check_unasked_audience,
    lifetime_seconds,
    seconds_text,
    subject,
)
from tessera.core.jwt_login import (
    JwtPolicy,
    JwtRejected,
    ParsedToken,
    check_algorithm,
    check_signature,
    decode_claims,
    keys_for,
    parse_token,
)
from tessera.core.jwt_mapping import is_admin, localpart
from tessera.core.jwt_routing import route
from tessera.services.login.jwt import JwtProvider
from tessera.services.login.types import Identity

PASS, FAIL, SKIP, NOTE = "PASS", "FAIL", "SKIP", "NOTE"


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the report."""

    outcome: str
    name: str
    detail: str


@dataclass
class Report:
    """The checks, and what a login with the token would get."""

    checks: list[Check] = field(default_factory=list)
    #: None when the token logs in (as far as it can be told without the database).
    refusal: MatrixError | None = None
    user_id: str | None = None
    #: Whether the database was read (links, existence): see ``jwt_check_links``.
    database_checked: bool = False

    def add(self, outcome: str, name: str, detail: str) -> None:
        """Append one line."""
        self.checks.append(Check(outcome, name, detail))

    def run(self, name: str, rule: Callable[[], None], passed: Callable[[], str]) -> None:
        """Run one rule: PASS saying ``passed()``, or FAIL with the client-facing text."""
        try:
            rule()
        except JwtRejected as rejected:
            self.add(FAIL, name, rejected.message)
        else:
            self.add(PASS, name, passed())


def check_token(
    token: str,
    providers: Sequence[JwtProvider],
    server_name: str,
    now: float,
    verdict: Identity | MatrixError,
) -> Report:
    """Every check ``token`` goes through at ``now``, and the verdict.

    ``verdict`` is what the login type itself (``JwtLogin.authenticate``)
    made of the token: the report explains it step by step.
    """
    report = Report()
    report.refusal = _refusal(verdict, server_name)
    try:
        parsed = parse_token(token)
    except JwtRejected as rejected:
        report.add(FAIL, "header", rejected.message)
        return report
    report.add(PASS, "header", json.dumps(parsed.header, sort_keys=True))
    provider = _check_provider(report, parsed, providers)
    if provider is None:
        return report
    policy = provider.current_policy()
    signed = _check_signature(report, parsed, policy)
    try:
        claims = decode_claims(parsed)
    except JwtRejected as rejected:
        report.add(FAIL, "payload", rejected.message)
        return report
    untrusted = "" if signed else " (NOT trusted: the signature did not verify)"
    report.add(PASS, "payload", f"a JSON object with {len(claims)} claims{untrusted}")
    _check_claims(report, claims, policy, int(now))
    _check_subject(report, claims, provider, server_name)
    return report


def _refusal(verdict: Identity | MatrixError, server_name: str) -> MatrixError | None:
    if isinstance(verdict, MatrixError):
        return verdict
    try:
        # What the login service checks before it looks in the database.
        check_subject_can_match(verdict.subject)
    except MatrixError as refusal:
        return refusal
    return None


def _check_provider(
    report: Report, parsed: ParsedToken, providers: Sequence[JwtProvider]
) -> JwtProvider | None:
    """With several providers: the ones ``iss``/``kid`` route to, and the one whose key fits."""
    if len(providers) == 1:
        return providers[0]
    try:
        chosen = route(
            decode_claims(parsed), parsed.header, [p.current_policy() for p in providers]
        )
    except JwtRejected as rejected:
        report.add(FAIL, "provider", rejected.message)
        return None
    candidates = [providers[index] for index in chosen]
    for provider in candidates:
        policy = provider.current_policy()
        try:
            algorithm = check_algorithm(parsed, policy)
            check_signature(parsed, keys_for(parsed, policy, algorithm), algorithm)
        except JwtRejected:
            continue
        break
    else:
        provider = candidates[0]
    names = ", ".join(p.id for p in candidates)
    report.add(PASS, "provider", f"{provider.id} (routed by iss/kid to: {names})")
    return provider


def _check_signature(report: Report, parsed: ParsedToken, policy: JwtPolicy) -> bool:
    allowed = ", ".join(policy.algorithms)
    try:
        algorithm = check_algorithm(parsed, policy)
    except JwtRejected as rejected:
        given = parsed.header.get("alg")
        report.add(FAIL, "alg", f"{given!r} is not one of {allowed}: {rejected.message}")
        report.add(SKIP, "key", "not chosen: no allowed algorithm")
        report.add(SKIP, "signature", "not checked: no allowed algorithm")
        return False
    report.add(PASS, "alg", f"{algorithm} is allowed ({allowed})")
    kid = parsed.header.get("kid")
    try:
        keys = keys_for(parsed, policy, algorithm)
    except JwtRejected as rejected:
        kids = ", ".join(repr(k.kid) for k in policy.keys.keys if k.kid is not None)
        report.add(FAIL, "key", f"{rejected.message} (kid {kid!r}; configured: {kids or 'none'})")
        report.add(SKIP, "signature", "not checked: no key to check it with")
        return False
    chosen = ", ".join(key.describe() for key in keys)
    if kid is None:
        how = "no kid in the header: trying"
    elif any(key.kid == kid for key in keys):
        how = f"kid {kid!r} picks"
    else:
        how = f"kid {kid!r} names no key; trying the keys without a kid:"
    report.add(PASS, "key", f"{how} {chosen}")
    try:
        used = check_signature(parsed, keys, algorithm)
    except JwtRejected as rejected:
        report.add(FAIL, "signature", rejected.message)
        return False
    report.add(PASS, "signature", f"verified with the {used.describe()}")
    return True


def _check_claims(report: Report, claims: Claims, policy: JwtPolicy, now: int) -> None:
    report.run("iss", partial(check_issuer, claims, policy), partial(_issuer_ok, policy))
    report.run("aud", partial(_audience, claims, policy), partial(_audience_ok, claims, policy))
    for name, rule in (("exp", check_expiry), ("nbf", check_not_before), ("iat", check_issued_at)):
        report.run(
            name, partial(rule, claims, policy, now), partial(_time_ok, claims, name, policy, now)
        )
    report.run(
        "lifetime", partial(check_lifetime, claims, policy), partial(_lifetime_ok, claims, policy)
    )
    for name, allowed in policy.required_claims.items():
        report.run(
            f"claim {name}",
            partial(check_required_claim, claims, name, allowed),
            partial(_required_ok, claims, name, allowed),
        )


def _issuer_ok(policy: JwtPolicy) -> str:
    if policy.issuer is None:
        return "not checked: no issuer configured"
    return f"equals {policy.issuer!r}"


def _audience(claims: Claims, policy: JwtPolicy) -> None:
    check_audience(claims, policy)
    check_unasked_audience(claims, policy)


def _audience_ok(claims: Claims, policy: JwtPolicy) -> str:
    if policy.audiences:
        return f"{json.dumps(claims.get('aud'))} names one of: {', '.join(policy.audiences)}"
    return "absent, as it must be with no audiences configured"


def _time_ok(claims: Claims, name: str, policy: JwtPolicy, now: int) -> str:
    if name not in claims:
        return "absent (optional)"
    return f"{_when(claims[name], now)}, leeway {policy.leeway} s"


def _lifetime_ok(claims: Claims, policy: JwtPolicy) -> str:
    if policy.max_lifetime_ms is None:
        return "not limited (no max_lifetime)"
    limit = seconds_text(policy.max_lifetime_ms)
    return f"exp - iat = {lifetime_seconds(claims):g} s, within max_lifetime ({limit} s)"


def _required_ok(claims: Claims, name: str, allowed: tuple[ClaimValue, ...]) -> str:
    wanted = ", ".join(json.dumps(value) for value in allowed)
    return f"{json.dumps(claims[name])} has one of: {wanted}"


def _check_subject(report: Report, claims: Claims, provider: JwtProvider, server_name: str) -> None:
    policy, mapping = provider.policy, provider.mapping
    claim = policy.subject_claim
    source = claim if mapping.template is None else "localpart_template"
    try:
        name = localpart(subject(claims, claim), claims, mapping)
        check_subject_can_match(name)
    except JwtRejected as rejected:
        report.add(FAIL, "subject", f"{source} gives no name: {rejected.message}")
        return
    except MatrixError as refused:
        given = json.dumps(claims.get(claim))
        report.add(FAIL, "subject", f"{source} {given}: {refused.errcode} {refused.message}")
        return
    user_id = report.user_id = user_id_for(name, server_name)
    how = "" if mapping.normalisation == "strict" else f" ({mapping.normalisation})"
    report.add(PASS, "subject", f"{source} → {name!r}{how} → {user_id}")
    if not policy.allow_registration:
        report.add(NOTE, "registration", f"allow_registration is false: {user_id} must exist")
    else:
        try:
            check_new_localpart(name, server_name, allow_numeric=mapping.allow_numeric)
            report.add(NOTE, "registration", f"{user_id} is created on first login")
        except MatrixError as refused:
            report.add(
                NOTE,
                "registration",
                f"a new user cannot be {user_id} ({refused.message}); only an existing one logs in",
            )
    if mapping.admin is not None:
        admin = "is" if is_admin(claims, mapping.admin) else "is not"
        report.add(NOTE, "admin", f"{user_id} {admin} a server admin after this login")


def _when(value: object, now: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return json.dumps(value)
    try:
        moment = datetime.datetime.fromtimestamp(value, datetime.UTC)
    except (OverflowError, ValueError, OSError):
        return f"{value} (out of calendar range)"
    delta = value - now
    relative = f"{_span(abs(delta))} {'from now' if delta >= 0 else 'ago'}"
    return f"{value} ({moment:%Y-%m-%dT%H:%M:%SZ}, {relative})"


def _span(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


def render(report: Report, source: str, now: float) -> str:
    """The report as text lines, ending with the verdict."""
    moment = datetime.datetime.fromtimestamp(now, datetime.UTC)
    lines = [f"Checking a login JWT against jwt_config in {source} at {now:.0f} ({moment:%FT%TZ})"]
    lines += [f"{c.outcome}  {c.name:<13} {c.detail}" for c in report.checks]
    refusal = report.refusal
    if refusal is None:
        unsure = "" if report.database_checked else " (if the database agrees: see NOTE)"
        lines.append(f"RESULT: accepted: logs in as {report.user_id}{unsure}")
    else:
        answer = f"{refusal.status} {refusal.errcode} {json.dumps(refusal.message)}"
        lines.append(f"RESULT: refused: {answer}")
    return "\n".join(lines) + "\n"
