-- Generated from tables.py by `make schema`: do not edit.

CREATE TABLE account_data (
	user_id VARCHAR(255) NOT NULL,
	room_id VARCHAR(255) NOT NULL,
	type TEXT NOT NULL,
	content TEXT NOT NULL,
	stream_id BIGINT NOT NULL,
	PRIMARY KEY (user_id, room_id, type)
);

CREATE INDEX account_data_user_stream ON account_data (user_id, stream_id);

CREATE TABLE event_transactions (
	user_id VARCHAR(255) NOT NULL,
	scope VARCHAR(600) NOT NULL,
	request TEXT NOT NULL,
	txn_id VARCHAR(255) NOT NULL,
	event_id VARCHAR(255) NOT NULL,
	created_ts BIGINT NOT NULL,
	PRIMARY KEY (user_id, scope, request, txn_id)
);

CREATE INDEX event_transactions_event ON event_transactions (event_id);

CREATE TABLE jwt_used_ids (
	id_hash BLOB NOT NULL,
	expiry_ts BIGINT NOT NULL,
	PRIMARY KEY (id_hash)
);

CREATE INDEX jwt_used_ids_expiry ON jwt_used_ids (expiry_ts);

CREATE TABLE push_rules (
	user_id VARCHAR(255) NOT NULL,
	kind VARCHAR(16) NOT NULL,
	rule_id TEXT NOT NULL,
	priority INTEGER,
	rule TEXT,
	actions TEXT,
	enabled BOOLEAN,
	PRIMARY KEY (user_id, kind, rule_id)
);

CREATE TABLE rate_limit_buckets (
	name VARCHAR(64) NOT NULL,
	key_hash BLOB NOT NULL,
	level DOUBLE NOT NULL,
	updated_at DOUBLE NOT NULL,
	full_at DOUBLE NOT NULL,
	allowed BOOLEAN NOT NULL,
	PRIMARY KEY (name, key_hash)
);

CREATE INDEX rate_limit_buckets_full_at ON rate_limit_buckets (full_at);

CREATE TABLE receipts (
	room_id VARCHAR(255) NOT NULL,
	receipt_type VARCHAR(32) NOT NULL,
	user_id VARCHAR(255) NOT NULL,
	thread_id VARCHAR(255) NOT NULL,
	event_id VARCHAR(255) NOT NULL,
	ts BIGINT NOT NULL,
	stream_id BIGINT NOT NULL,
	PRIMARY KEY (room_id, receipt_type, user_id, thread_id)
);

CREATE INDEX receipts_room_stream ON receipts (room_id, stream_id);

CREATE TABLE rooms (
	room_id VARCHAR(255) NOT NULL,
	room_version VARCHAR(16) NOT NULL,
	creator VARCHAR(255) NOT NULL,
	is_public BOOLEAN DEFAULT 0 NOT NULL,
	created_ts BIGINT NOT NULL,
	head_event_id VARCHAR(255),
	head_depth BIGINT DEFAULT '0' NOT NULL,
	PRIMARY KEY (room_id)
);

CREATE INDEX rooms_public ON rooms (is_public, room_id);

CREATE TABLE stream_positions (
	stream VARCHAR(32) NOT NULL,
	position BIGINT NOT NULL,
	PRIMARY KEY (stream)
);

CREATE TABLE typing_rooms (
	room_id VARCHAR(255) NOT NULL,
	stream_id BIGINT NOT NULL,
	PRIMARY KEY (room_id)
);

CREATE TABLE typing_users (
	room_id VARCHAR(255) NOT NULL,
	user_id VARCHAR(255) NOT NULL,
	expires_ts BIGINT NOT NULL,
	PRIMARY KEY (room_id, user_id)
);

CREATE INDEX typing_users_expiry ON typing_users (expires_ts);

CREATE TABLE users (
	user_id VARCHAR(255) NOT NULL,
	display_name TEXT,
	avatar_url TEXT,
	password_hash TEXT,
	is_admin BOOLEAN DEFAULT 0 NOT NULL,
	deactivated BOOLEAN DEFAULT 0 NOT NULL,
	created_ts BIGINT NOT NULL,
	erased BOOLEAN DEFAULT 0 NOT NULL,
	PRIMARY KEY (user_id)
);

CREATE UNIQUE INDEX users_user_id_lower ON users (lower(user_id));

CREATE TABLE devices (
	user_id VARCHAR(255) NOT NULL,
	device_id VARCHAR(512) NOT NULL,
	display_name TEXT,
	last_seen_ip TEXT,
	last_seen_ts BIGINT,
	created_ts BIGINT NOT NULL,
	last_seen_user_agent TEXT,
	PRIMARY KEY (user_id, device_id),
	FOREIGN KEY(user_id) REFERENCES users (user_id) ON DELETE CASCADE
);

CREATE TABLE events (
	stream BIGINT NOT NULL,
	event_id VARCHAR(255) NOT NULL,
	room_id VARCHAR(255) NOT NULL,
	type TEXT NOT NULL,
	state_key TEXT,
	sender VARCHAR(255) NOT NULL,
	depth BIGINT NOT NULL,
	origin_server_ts BIGINT NOT NULL,
	pdu TEXT NOT NULL,
	redacted_by VARCHAR(255),
	PRIMARY KEY (stream),
	UNIQUE (event_id),
	FOREIGN KEY(room_id) REFERENCES rooms (room_id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX events_room_depth ON events (room_id, depth);

CREATE INDEX events_room_state ON events (room_id, type, state_key, stream) WHERE state_key IS NOT NULL;

CREATE INDEX events_room_stream ON events (room_id, stream);

CREATE TABLE login_tokens (
	token_hash BLOB NOT NULL,
	user_id VARCHAR(255) NOT NULL,
	expiry_ts BIGINT NOT NULL,
	PRIMARY KEY (token_hash),
	FOREIGN KEY(user_id) REFERENCES users (user_id) ON DELETE CASCADE
);

CREATE TABLE presence (
	user_id VARCHAR(255) NOT NULL,
	state VARCHAR(16) NOT NULL,
	status_msg TEXT,
	last_active_ts BIGINT NOT NULL,
	stream_id BIGINT NOT NULL,
	PRIMARY KEY (user_id),
	FOREIGN KEY(user_id) REFERENCES users (user_id) ON DELETE CASCADE
);

CREATE INDEX presence_stream ON presence (stream_id);

CREATE TABLE room_aliases (
	alias VARCHAR(255) NOT NULL,
	room_id VARCHAR(255) NOT NULL,
	creator VARCHAR(255) NOT NULL,
	PRIMARY KEY (alias),
	FOREIGN KEY(room_id) REFERENCES rooms (room_id) ON DELETE CASCADE
);

CREATE INDEX room_aliases_room ON room_aliases (room_id);

CREATE TABLE room_memberships (
	room_id VARCHAR(255) NOT NULL,
	user_id VARCHAR(255) NOT NULL,
	membership VARCHAR(16) NOT NULL,
	event_id VARCHAR(255) NOT NULL,
	stream BIGINT NOT NULL,
	forgotten BOOLEAN DEFAULT 0 NOT NULL,
	PRIMARY KEY (room_id, user_id),
	FOREIGN KEY(room_id) REFERENCES rooms (room_id) ON DELETE CASCADE
);

CREATE INDEX room_memberships_user ON room_memberships (user_id, membership);

CREATE INDEX room_memberships_user_stream ON room_memberships (user_id, stream);

CREATE TABLE room_state (
	room_id VARCHAR(255) NOT NULL,
	type TEXT NOT NULL,
	state_key TEXT NOT NULL,
	event_id VARCHAR(255) NOT NULL,
	stream BIGINT NOT NULL,
	PRIMARY KEY (room_id, type, state_key),
	FOREIGN KEY(room_id) REFERENCES rooms (room_id) ON DELETE CASCADE
);

CREATE TABLE ui_auth_sessions (
	session_id VARCHAR(64) NOT NULL,
	user_id VARCHAR(255) NOT NULL,
	method VARCHAR(16) NOT NULL,
	uri TEXT NOT NULL,
	created_ts BIGINT NOT NULL,
	completed TEXT DEFAULT '[]' NOT NULL,
	PRIMARY KEY (session_id),
	FOREIGN KEY(user_id) REFERENCES users (user_id) ON DELETE CASCADE
);

CREATE TABLE user_external_ids (
	auth_provider VARCHAR(255) NOT NULL,
	external_id TEXT NOT NULL,
	user_id VARCHAR(255) NOT NULL,
	PRIMARY KEY (auth_provider, external_id),
	FOREIGN KEY(user_id) REFERENCES users (user_id) ON DELETE CASCADE
)
 WITHOUT ROWID;

CREATE INDEX user_external_ids_user ON user_external_ids (user_id, auth_provider);

CREATE TABLE user_filters (
	filter_id INTEGER NOT NULL,
	user_id VARCHAR(255) NOT NULL,
	filter_hash BLOB NOT NULL,
	filter_json TEXT NOT NULL,
	PRIMARY KEY (filter_id),
	FOREIGN KEY(user_id) REFERENCES users (user_id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX user_filters_user_hash ON user_filters (user_id, filter_hash);

CREATE TABLE user_threepids (
	user_id VARCHAR(255) NOT NULL,
	medium VARCHAR(16) NOT NULL,
	address TEXT NOT NULL,
	validated_at BIGINT NOT NULL,
	added_at BIGINT NOT NULL,
	PRIMARY KEY (user_id, medium, address),
	FOREIGN KEY(user_id) REFERENCES users (user_id) ON DELETE CASCADE
);

CREATE TABLE refresh_tokens (
	id INTEGER NOT NULL,
	token_hash BLOB NOT NULL,
	user_id VARCHAR(255) NOT NULL,
	device_id VARCHAR(512) NOT NULL,
	created_ts BIGINT NOT NULL,
	expiry_ts BIGINT,
	session_expiry_ts BIGINT,
	next_token_id INTEGER,
	PRIMARY KEY (id),
	FOREIGN KEY(user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE,
	UNIQUE (token_hash),
	FOREIGN KEY(next_token_id) REFERENCES refresh_tokens (id) ON DELETE SET NULL
);

CREATE INDEX refresh_tokens_device ON refresh_tokens (user_id, device_id);

CREATE INDEX refresh_tokens_next_token ON refresh_tokens (next_token_id) WHERE next_token_id IS NOT NULL;

CREATE TABLE access_tokens (
	id INTEGER NOT NULL,
	token_hash BLOB NOT NULL,
	user_id VARCHAR(255) NOT NULL,
	device_id VARCHAR(512),
	created_ts BIGINT NOT NULL,
	valid_until_ms BIGINT,
	refresh_token_id INTEGER,
	used BOOLEAN DEFAULT 0 NOT NULL,
	puppeted_by VARCHAR(255),
	PRIMARY KEY (id),
	FOREIGN KEY(user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE,
	UNIQUE (token_hash),
	FOREIGN KEY(refresh_token_id) REFERENCES refresh_tokens (id) ON DELETE CASCADE
);

CREATE INDEX access_tokens_device ON access_tokens (user_id, device_id);

CREATE INDEX access_tokens_refresh_token ON access_tokens (refresh_token_id) WHERE refresh_token_id IS NOT NULL;

CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL,
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

INSERT INTO alembic_version (version_num) VALUES ('0010');
