-- Users are identified by (provider, subject): the same person signing in again is updated, not duplicated.
CREATE TABLE users (
  id           bigserial PRIMARY KEY,
  provider     text        NOT NULL,
  subject      text        NOT NULL,
  name         text        NOT NULL,
  email        text,
  avatar_url   text,
  profile_url  text,
  last_channel text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, subject)
);

CREATE TABLE channels (
  id         bigserial PRIMARY KEY,
  name       text        NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,49}$'),
  created_by bigint REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Ids come from one sequence, so they grow with time across every node.
-- (author_id, client_id) makes a retried send a no-op.
CREATE TABLE messages (
  id         bigserial PRIMARY KEY,
  channel_id bigint      NOT NULL REFERENCES channels (id),
  author_id  bigint      NOT NULL REFERENCES users (id),
  client_id  text        NOT NULL,
  text       text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  edited_at  timestamptz,
  UNIQUE (author_id, client_id)
);

-- History pages and trimming both walk one channel's messages by id.
CREATE INDEX messages_channel_id_idx ON messages (channel_id, id);

INSERT INTO channels (name) VALUES ('general');
