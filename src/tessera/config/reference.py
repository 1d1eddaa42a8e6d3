"""Every configuration key, declared once: the source of docs/configuration.md's tables.

``tessera config-reference`` renders these groups as Markdown and ``make docs`` puts
them in docs/configuration.md; tests/unit/test_config_docs.py holds them to the loader
in both directions (every key read is here, every key here is read) and checks each
default against what the loader yields when the key is left out.

Pure data: nothing here is read when a config is loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

Origin = Literal["Synapse", "Tessera"]
SYNAPSE: Origin = "Synapse"
TESSERA: Origin = "Tessera"

BOOLEAN = "boolean"
INTEGER = "integer"
NUMBER = "number"
STRING = "string"
PATH = "file path"
URL = "URL"
#: Milliseconds as a number, or a string like ``2000ms``, ``30s``, ``5m``, ``1h``, ``7d``, ``1w``.
DURATION = "duration"
CLAIM = "claim name"
IGNORED = "any"


@dataclass(frozen=True, slots=True)
class Key:
    """One key (or several that share a row) as an operator reads about it.

    ``default`` is YAML as an operator writes it (``false``, ``5s``, ``["::", "0.0.0.0"]``);
    None when leaving the key out sets nothing, which the table shows as ``unset``.
    ``required`` is None for an optional key, ``""`` for one its block cannot do
    without, or the condition under which it is needed.
    """

    name: str
    type: str
    default: str | None
    origin: Origin
    meaning: str
    required: str | None = None
    unset: str = "none"
    #: Shown after the default, e.g. "(SQLite)".
    default_note: str = ""
    #: Further keys with the same type, default, origin and meaning.
    also: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.also)


@dataclass(frozen=True, slots=True)
class Group:
    """The keys of one block (``jwt_config``) or one theme of top-level keys."""

    title: str
    #: What the keys' names are relative to: ``jwt_config.``, ``listeners[].``, or "".
    prefix: str
    summary: str
    keys: tuple[Key, ...]
    #: The prefix of a group whose keys this block takes too (``jwt_providers[]``).
    same_as: str | None = None


def _ignored(name: str, *also: str, meaning: str = "accepted and ignored") -> Key:
    """A Synapse key Tessera reads past, so a Synapse file loads unchanged."""
    return Key(name, IGNORED, None, SYNAPSE, meaning, unset="—", also=also)


TOP_LEVEL = Group(
    "Top-level keys",
    "",
    "Keys at the top of `homeserver.yaml` that are not blocks of their own.",
    (
        Key(
            "server_name",
            STRING,
            None,
            SYNAPSE,
            "the domain in user IDs: `@alice:<server_name>`; also returned as `home_server` "
            "on login",
            required="",
        ),
        Key(
            "public_baseurl",
            URL,
            None,
            SYNAPSE,
            "the URL clients reach the server at: served as `m.homeserver.base_url` by "
            "`/.well-known/matrix/client` and in login responses' `well_known` (both absent "
            "when unset)",
        ),
        Key(
            "enable_registration",
            BOOLEAN,
            "false",
            SYNAPSE,
            "read and validated. JWT logins create users on first login whatever its value, "
            "as Synapse does; `jwt_config.allow_registration: false` is the switch for them",
        ),
        Key(
            "signing_key_path",
            PATH,
            None,
            SYNAPSE,
            "the server's ed25519 signing key, in Synapse's file format (a Synapse key file "
            "works as is). `generate-config` writes it (mode 0600); `run` creates it when the "
            "file does not exist, and never overwrites one. Back it up: it signs every event",
            unset="`<server_name>.signing.key` beside the config",
        ),
        Key("bcrypt_rounds", INTEGER, "12", SYNAPSE, "the cost of new password hashes (4 to 31)"),
        Key(
            "enable_metrics",
            BOOLEAN,
            "false",
            SYNAPSE,
            "serve Prometheus metrics at `/_synapse/metrics` on listeners of `type: metrics` "
            "and on `http` listeners whose resources include `metrics` (see "
            "[Metrics](#metrics))",
        ),
        Key(
            "allow_world_readable_secrets",
            BOOLEAN,
            "false",
            TESSERA,
            "a `secret_path` or `jwks_path` file that every user of the machine may read "
            "stops startup (`chmod o-r` it); `true` allows it",
        ),
        Key(
            "max_request_body_size",
            INTEGER,
            "65536",
            TESSERA,
            "bytes; larger request bodies get 413 `M_TOO_LARGE`",
        ),
        Key(
            "request_read_timeout",
            DURATION,
            "30s",
            TESSERA,
            "the time a client has, from the server's first read, to send a request's whole "
            "body; a slower one (a slowloris trickle, a stalled upload) gets 408 `M_UNKNOWN` "
            "and the connection is closed",
        ),
        Key(
            "access_token_cache_ttl",
            DURATION,
            "1s",
            TESSERA,
            "how long a process trusts an access token it has looked up before reading it "
            "again. Logouts, device deletions and deactivations reach every process at once "
            "(on PostgreSQL through `NOTIFY`); this bounds how stale a process can be when a "
            "notification is lost or a row is changed behind Tessera's back",
        ),
        Key(
            "soft_file_limit",
            INTEGER,
            "0",
            SYNAPSE,
            "the soft limit on open files (`RLIMIT_NOFILE`) set at start; `0` raises it to "
            "the hard limit (systemd's default soft limit, 1024, is too low for many "
            "connections; see docs/deployment.md for `LimitNOFILE=`)",
        ),
        Key(
            "max_http_connections",
            INTEGER,
            "10000",
            TESSERA,
            "HTTP connections one process holds at most (never more than the open-file "
            "limit allows, less a reserve for the database and files). A connection past "
            "it closes the oldest one that has not sent a whole request (stalled, or idle "
            "between requests); when there is none, it is answered 503 and closed",
        ),
        Key(
            "max_http_connections_per_address",
            INTEGER,
            "500",
            TESSERA,
            "connections one client address (an IPv6 /64) may hold on a listener without "
            "`x_forwarded`; more are answered 503 and closed. Behind a proxy, set "
            "`x_forwarded: true` (every connection has the proxy's address there, and this "
            "limit does not apply)",
        ),
        Key(
            "log_format",
            "`text` or `json`",
            "text",
            TESSERA,
            "`json`: every log line (access log included) is one JSON object (`time`, "
            "`level`, `logger`, and `message` or the access fields `request_id`, `method`, "
            "`path`, `status`, `duration_ms`, `user`)",
        ),
    ),
)

SESSION_LIFETIMES = Group(
    "Session lifetimes",
    "",
    "Top-level keys with Synapse's meanings; see the README's \"Session lifetimes and "
    'refresh tokens".',
    (
        Key(
            "refreshable_access_token_lifetime",
            DURATION,
            "5m",
            SYNAPSE,
            'access tokens of clients that sent `"refresh_token": true`',
        ),
        Key(
            "refresh_token_lifetime",
            DURATION,
            None,
            SYNAPSE,
            "an unused refresh token expires after this",
        ),
        Key(
            "nonrefreshable_access_token_lifetime",
            DURATION,
            None,
            SYNAPSE,
            "access tokens of clients that did not ask for a refresh token",
        ),
        Key(
            "session_lifetime",
            DURATION,
            None,
            SYNAPSE,
            "the hard end of a login, refreshes included",
        ),
    ),
)

LISTENERS = Group(
    "`listeners`",
    "listeners[].",
    "A list; each `type: http` entry serving the `client` resource is bound (`tessera run` "
    "needs at least one).",
    (
        Key(
            "port",
            "integer (0-65535)",
            None,
            SYNAPSE,
            "TCP port (0 picks a free one and prints it)",
            required="",
        ),
        Key(
            "bind_addresses",
            "list of strings",
            '["::", "0.0.0.0"]',
            SYNAPSE,
            "addresses to listen on; one that cannot be bound (e.g. `::` without IPv6) is "
            "skipped with a warning while another one binds",
        ),
        Key(
            "bind_address",
            STRING,
            None,
            SYNAPSE,
            "Synapse's older single-address spelling (added to `bind_addresses`)",
            unset="—",
        ),
        Key(
            "type",
            STRING,
            "http",
            SYNAPSE,
            "`http`, or `metrics` (only `/_synapse/metrics`, when `enable_metrics` is true); "
            "other types (`manhole`, `replication`) are skipped with a warning",
        ),
        Key(
            "tls",
            BOOLEAN,
            "false",
            SYNAPSE,
            "`true` is refused: terminate TLS in a reverse proxy",
        ),
        Key(
            "x_forwarded",
            BOOLEAN,
            "false",
            SYNAPSE,
            "the client address (devices' `last_seen_ip`, the `rc_login.address` limit) is "
            "taken from the first `X-Forwarded-For` entry; set it only behind your own "
            "reverse proxy",
        ),
        Key(
            "resources",
            "list of mappings",
            "[{names: [client]}]",
            SYNAPSE,
            "what the listener serves; listeners without `client` are skipped, except that "
            "one with `metrics` serves only the metrics",
        ),
        Key(
            "resources[].names",
            "list of strings",
            None,
            SYNAPSE,
            "resource names from Synapse's list (another name is refused); Tessera serves "
            "`client` and `metrics`",
            required="",
        ),
        _ignored("resources[].compress"),
        _ignored("tag", "request_id_header", "http_options"),
        Key(
            "path",
            STRING,
            None,
            SYNAPSE,
            "a UNIX socket: refused (UNIX socket listeners are not supported)",
            unset="—",
        ),
    ),
)

DATABASE = Group(
    "`database`",
    "database.",
    "SQLite (one file, one Tessera process) or PostgreSQL; see [Databases](#databases). On "
    "SQLite, `args` takes only `database`, `cp_min` and `cp_max`: the PostgreSQL keys are "
    "refused there as unknown keys.",
    (
        Key(
            "name",
            "`sqlite3` or `psycopg2`",
            "sqlite3",
            SYNAPSE,
            "`sqlite3` or `psycopg2` (PostgreSQL, through asyncpg; `psycopg` is taken as "
            "`psycopg2`)",
        ),
        Key(
            "args.database",
            STRING,
            "homeserver.db",
            SYNAPSE,
            "SQLite: the file; relative paths are relative to the config file's directory. "
            "PostgreSQL: the database name (`dbname` also accepted)",
            default_note="(SQLite)",
        ),
        Key(
            "args.dbname",
            STRING,
            None,
            SYNAPSE,
            "PostgreSQL: libpq's spelling of `args.database`",
            unset="—",
        ),
        Key(
            "args.user",
            STRING,
            None,
            SYNAPSE,
            "PostgreSQL connection",
            unset="libpq's default",
            also=("args.password", "args.host"),
        ),
        Key("args.port", INTEGER, None, SYNAPSE, "PostgreSQL connection", unset="libpq's default"),
        Key(
            "args.cp_min",
            INTEGER,
            "5",
            SYNAPSE,
            "PostgreSQL pool size: connections kept open (SQLite uses one writer)",
        ),
        Key(
            "args.cp_max",
            INTEGER,
            "10",
            SYNAPSE,
            "PostgreSQL pool size: connections open at most; at least `cp_min`",
        ),
        Key(
            "args.sslmode",
            "`disable`, `allow`, `prefer`, `require`, `verify-ca` or `verify-full`",
            None,
            SYNAPSE,
            "PostgreSQL TLS, as in libpq",
            unset="libpq's default",
        ),
        Key(
            "args.sslrootcert",
            PATH,
            None,
            SYNAPSE,
            "PostgreSQL TLS files, as in libpq (relative to the config file's directory)",
            unset="libpq's default",
            also=("args.sslcert", "args.sslkey"),
        ),
        Key(
            "args.connect_timeout",
            INTEGER,
            None,
            SYNAPSE,
            "PostgreSQL: seconds to open a connection, as in libpq, but `0` (libpq: wait for "
            "ever) keeps the default. Past it the request gets 503 `Database unavailable` "
            "rather than a hang; statements (3 s) and waits for a pooled connection (3 s) "
            "are bounded too",
            unset="3",
        ),
        _ignored(
            "args.keepalives",
            "args.keepalives_idle",
            "args.keepalives_interval",
            "args.keepalives_count",
            "args.application_name",
            meaning="PostgreSQL: libpq options Tessera does not support, accepted with a "
            "warning and ignored",
        ),
        _ignored("txn_limit", "allow_unsafe_locale"),
    ),
)

JWT_CONFIG = Group(
    "`jwt_config`",
    "jwt_config.",
    "Synapse's keys, with Synapse's meaning, then Tessera's own, all opt-in (a block without "
    "them behaves as in Synapse); worked examples in [jwt.md](jwt.md).",
    (
        Key("enabled", BOOLEAN, "false", SYNAPSE, "offer `org.matrix.login.jwt`"),
        Key(
            "secret",
            "string or mapping",
            None,
            SYNAPSE,
            "HMAC secret (HS256/384/512), a PEM public key (RS*, PS*, ES*, EdDSA), or a JWK / "
            "JWK Set as JSON text or a YAML mapping (the token's `kid` picks the key)",
            required="when enabled (or `secret_path`, `jwks_path`, `jwks_uri`)",
        ),
        Key(
            "algorithm",
            STRING,
            None,
            SYNAPSE,
            "the one `alg` tokens must carry: HS256, HS384, HS512, RS256, RS384, RS512, "
            "PS256, PS384, PS512, ES256, ES384, ES512, ES256K, EdDSA, Ed25519, Ed448",
            required="when enabled (or `algorithms`)",
        ),
        Key("subject_claim", CLAIM, "sub", SYNAPSE, "the claim holding the localpart"),
        Key(
            "display_name_claim",
            CLAIM,
            None,
            SYNAPSE,
            "the claim giving a new user's display name (Tessera: a dotted path reaches "
            "nested claims, and `display_name_sync` can refresh it)",
        ),
        Key(
            "issuer",
            STRING,
            None,
            SYNAPSE,
            "when set, `iss` is required and must equal it",
        ),
        Key(
            "audiences",
            "string or list of strings",
            None,
            SYNAPSE,
            "when set, `aud` is required and one of its values must be listed; when not set, "
            "any `aud` is refused",
        ),
        Key(
            "algorithms",
            "list of strings",
            None,
            TESSERA,
            "a list of allowed `alg`s instead of `algorithm` (not both); each must fit the key",
        ),
        Key(
            "secret_path",
            PATH,
            None,
            TESSERA,
            "read `secret` from this file at startup (relative to the config file; "
            "surrounding whitespace removed); not with `secret`",
        ),
        Key(
            "leeway",
            "integer (seconds)",
            "120",
            TESSERA,
            "seconds of clock skew allowed on `exp`, `nbf`, `iat`",
        ),
        Key("require_exp", BOOLEAN, "false", TESSERA, "refuse tokens without `exp`"),
        Key(
            "max_lifetime",
            DURATION,
            None,
            TESSERA,
            "refuse tokens whose `exp - iat` is longer, and tokens lacking `exp` or `iat`",
        ),
        Key(
            "allow_registration",
            BOOLEAN,
            "true",
            TESSERA,
            "`false`: a subject naming no existing user gets 403 `User … is not registered on "
            "this server` instead of being created",
        ),
        Key(
            "allow_existing_users",
            BOOLEAN,
            None,
            TESSERA,
            "`true`: the provider may also log in as existing users not linked to it (and "
            "links them). Otherwise it reaches only the users it created or that are linked "
            "to it; any other gets 403 `User … is not linked to JWT provider …` (docs/jwt.md "
            "§9)",
            unset="`true` for a `jwt_config` with no `jwt_providers` (Synapse's behaviour), "
            "else `false`",
        ),
        Key(
            "required_claims",
            "mapping",
            None,
            TESSERA,
            "claim → allowed value or list of values (strings, integers, booleans); a "
            "list-valued claim needs one allowed element",
        ),
        Key(
            "jwks_path",
            PATH,
            None,
            TESSERA,
            "like `secret_path`, for a file holding a JWK Set; both files are reread on SIGHUP",
        ),
        Key(
            "jwks_uri",
            URL,
            None,
            TESSERA,
            "fetch the keys (a JWK Set) from this `https://` (or `http://`) URL instead of "
            "`secret`; refreshed in the background",
        ),
        Key(
            "jwks_timeout",
            DURATION,
            "5s",
            TESSERA,
            "the longest a fetch (and so any login waiting for one) may take",
        ),
        Key(
            "jwks_cache_min",
            DURATION,
            "5m",
            TESSERA,
            "the shortest time a fetched set is used before it is refetched (a smaller "
            "`Cache-Control: max-age` is raised to it)",
        ),
        Key(
            "jwks_cache_max",
            DURATION,
            "24h",
            TESSERA,
            "the longest (used when the response has no `max-age`); at least `jwks_cache_min`",
        ),
        Key(
            "jwks_refetch_interval",
            DURATION,
            "1m",
            TESSERA,
            "tokens with an unknown `kid` refetch the set at most once per this interval",
        ),
        Key(
            "localpart_template",
            "Jinja2 template",
            None,
            TESSERA,
            "a template over the claims (`user`), e.g. `{{ user.preferred_username }}`, giving "
            "the localpart instead of `subject_claim`; sandboxed; a missing claim refuses the "
            "login",
        ),
        Key(
            "localpart_normalisation",
            "`strict`, `lowercase` or `map`",
            "strict",
            TESSERA,
            "`strict`: as is (Synapse: invalid characters are refused); `lowercase`; `map`: "
            "the spec's mapping, other characters written `=xx`",
        ),
        Key(
            "allow_numeric_localparts",
            BOOLEAN,
            "false",
            TESSERA,
            "`true`: all-digit localparts (numeric `sub`s) may register",
        ),
        Key("avatar_url_claim", CLAIM, None, TESSERA, "the claim giving the user's avatar URL"),
        Key(
            "email_claim",
            CLAIM,
            None,
            TESSERA,
            "the claim giving the user's e-mail address (stored as a 3PID)",
        ),
        Key(
            "display_name_sync",
            "`first_login` or `every_login`",
            "first_login",
            TESSERA,
            "`every_login`: the claim overwrites the stored value at each login, not only the "
            "first (needs the matching `…_claim`)",
            also=("avatar_url_sync", "email_sync"),
        ),
        Key(
            "admin_claim",
            "mapping",
            None,
            TESSERA,
            "`{claim: <name or dotted path>, value: <value or list>}`: a token holding one of "
            "the values makes the user a server admin, and a later login without it takes "
            "admin away",
        ),
        Key(
            "admin_claim.claim",
            CLAIM,
            None,
            TESSERA,
            "the claim (name or dotted path `a.b.c`) to look at",
            required="",
        ),
        Key(
            "admin_claim.value",
            "string, integer, boolean or a list of them",
            None,
            TESSERA,
            "the value, or list of values, that makes a server admin",
            required="",
        ),
        Key(
            "jti_replay_protection",
            BOOLEAN,
            "false",
            TESSERA,
            "a token's `jti` logs in once until its `exp` (stored in the database, so it holds "
            "across processes); needs `require_exp: true`; tokens without `jti` are refused",
        ),
        Key(
            "error_detail",
            "`full` or `minimal`",
            "full",
            TESSERA,
            "`minimal`: clients get `Invalid JWT` for every rejection; the reason goes to the log",
        ),
    ),
)

JWT_PROVIDERS = Group(
    "`jwt_providers`",
    "jwt_providers[].",
    "Tessera's own: a list of further JWT issuers, each a block with every key of "
    "`jwt_config` (same meanings and defaults, except `enabled`) plus a required `id`; see "
    "[Several JWT issuers](#several-jwt-issuers).",
    (
        Key(
            "id",
            STRING,
            None,
            TESSERA,
            "1-64 characters of `a-z0-9_.-`, unique; `jwt_config` is taken by the block above",
            required="",
        ),
        Key(
            "enabled",
            BOOLEAN,
            "true",
            TESSERA,
            "a provider is enabled unless it says `enabled: false`",
        ),
    ),
    same_as="jwt_config.",
)

PASSWORD_CONFIG = Group(
    "`password_config`",
    "password_config.",
    "Password login, for users that have a password (bcrypt, Synapse-compatible hashes).",
    (
        Key(
            "enabled",
            BOOLEAN,
            "false",
            SYNAPSE,
            "offer `m.login.password` (Synapse defaults to `true`; Tessera's users come from JWTs)",
        ),
        Key(
            "pepper",
            STRING,
            '""',
            SYNAPSE,
            "appended to passwords before bcrypt, as Synapse's `pepper` (keep it when moving "
            "hashes over)",
        ),
        _ignored("localdb_enabled", "policy"),
    ),
)

LOGIN_VIA_EXISTING_SESSION = Group(
    "`login_via_existing_session`",
    "login_via_existing_session.",
    "A signed-in device issues single-use `m.login.token`s to sign in another one (spec v1.7).",
    (
        Key(
            "enabled",
            BOOLEAN,
            "false",
            SYNAPSE,
            "serve `POST /_matrix/client/v1/login/get_token` and list `m.login.token`",
        ),
        Key(
            "require_ui_auth",
            BOOLEAN,
            "true",
            SYNAPSE,
            "`get_token` needs user-interactive auth first",
        ),
        Key("token_timeout", DURATION, "5m", SYNAPSE, "how long a login token stays valid"),
    ),
)

RC_LOGIN = Group(
    "`rc_login`",
    "rc_login.",
    "Synapse's login rate limits, each `{per_second, burst_count}`: a bucket of "
    "`burst_count` logins that refills at `per_second`. Over the limit: 429 "
    "`M_LIMIT_EXCEEDED` with `retry_after_ms` and a `Retry-After` header. The defaults are "
    "Synapse's; see [Login rate limits](#login-rate-limits).",
    (
        Key(
            "address.per_second",
            NUMBER,
            "0.003",
            SYNAPSE,
            "logins per second regained by one client address's bucket, which every "
            "`POST /login` takes from before the credentials are checked",
        ),
        Key("address.burst_count", INTEGER, "5", SYNAPSE, "the size of that bucket"),
        Key(
            "account.per_second",
            NUMBER,
            "0.003",
            SYNAPSE,
            "logins per second regained by one user's bucket (ignoring case), taken from "
            "once the credentials name a user",
        ),
        Key("account.burst_count", INTEGER, "5", SYNAPSE, "the size of that bucket"),
        Key(
            "failed_attempts.per_second",
            NUMBER,
            "0.17",
            SYNAPSE,
            "wrong passwords per second regained by one user's bucket (`m.login.password`)",
        ),
        Key("failed_attempts.burst_count", INTEGER, "3", SYNAPSE, "the size of that bucket"),
    ),
)

RC_MESSAGE = Group(
    "`rc_message`",
    "rc_message.",
    "Synapse's limit on the events a user sends (messages, state, redactions, room "
    "creation), `{per_second, burst_count}` per user; over it, 429 `M_LIMIT_EXCEEDED`. "
    "Shared by every process on PostgreSQL.",
    (
        Key("per_second", NUMBER, "0.2", SYNAPSE, "events per second regained by a user's bucket"),
        Key("burst_count", INTEGER, "10", SYNAPSE, "the size of that bucket"),
    ),
)

RC_JOINS = Group(
    "`rc_joins`",
    "rc_joins.",
    "Synapse's limit on joining rooms, per user; over it, 429 `M_LIMIT_EXCEEDED`. "
    "`remote` (joins over federation) is accepted and unused: Tessera does not federate.",
    (
        Key("local.per_second", NUMBER, "0.1", SYNAPSE, "joins per second regained"),
        Key("local.burst_count", INTEGER, "10", SYNAPSE, "the size of that bucket"),
        Key("remote.per_second", NUMBER, "0.01", SYNAPSE, "unused (no federation)"),
        Key("remote.burst_count", INTEGER, "10", SYNAPSE, "unused (no federation)"),
    ),
)

AUTO_JOIN = Group(
    "Auto-join rooms",
    "",
    "Synapse's registration keys for the rooms every new user joins: a user created by a "
    "JWT login (or the admin API) joins them right after it is created; a failure is logged "
    "and never fails the login. See [rooms.md](rooms.md). `auto_join_rooms_for_guests` "
    "and `autocreate_auto_join_rooms_federated` are "
    "accepted and ignored (no guests, no federation).",
    (
        Key(
            "auto_join_rooms",
            "list of strings",
            "[]",
            SYNAPSE,
            "room aliases (`#a:example.com`) or room IDs the new user joins, in order",
        ),
        Key(
            "autocreate_auto_join_rooms",
            BOOLEAN,
            "true",
            SYNAPSE,
            "create a listed alias of this server that does not exist yet, with that alias",
        ),
        Key(
            "autocreate_auto_join_room_preset",
            STRING,
            "public_chat",
            SYNAPSE,
            "the `createRoom` preset of those rooms: `public_chat`, `private_chat` or "
            "`trusted_private_chat` (the last two need `auto_join_mxid_localpart`)",
        ),
        Key(
            "auto_join_mxid_localpart",
            STRING,
            None,
            SYNAPSE,
            "the local user who creates the rooms and invites new users into rooms they "
            "cannot join on their own",
            unset="the new user creates them",
        ),
    ),
)

#: In the order docs/configuration.md shows them.
GROUPS: tuple[Group, ...] = (
    TOP_LEVEL,
    LISTENERS,
    DATABASE,
    JWT_CONFIG,
    JWT_PROVIDERS,
    SESSION_LIFETIMES,
    PASSWORD_CONFIG,
    LOGIN_VIA_EXISTING_SESSION,
    RC_LOGIN,
    RC_MESSAGE,
    RC_JOINS,
    AUTO_JOIN,
)


def all_keys(groups: tuple[Group, ...] = GROUPS) -> dict[str, Key]:
    """Every key by its full dotted name (``listeners[].x_forwarded``).

    A block declared ``same_as`` another gets that block's keys under its own prefix,
    except those it declares itself (``jwt_providers[].enabled``).
    """
    by_prefix = {group.prefix: group for group in groups}
    keys: dict[str, Key] = {}
    for group in groups:
        for name, key in _own_keys(group):
            keys[name] = key
        if group.same_as is not None:
            own = {name for key in group.keys for name in key.names}
            for name, key in _own_keys(by_prefix[group.same_as]):
                relative = name.removeprefix(group.same_as)
                if relative not in own:
                    keys[group.prefix + relative] = key
    return keys


def _own_keys(group: Group) -> Iterator[tuple[str, Key]]:
    for key in group.keys:
        for name in key.names:
            yield group.prefix + name, key
