-- What team chats have (issue 13): private channels, direct messages and read positions.
--
-- A channel is public (anybody signed in may read and write it), private (its members only; the
-- creator and members invite, the creator removes) or direct (a conversation of 2 to 8 people
-- fixed when it is opened; its name is derived from its members, see ChannelDirectory).
-- members_version grows with every change of a channel's members, so a node that hears of two
-- changes out of order keeps the newer member list.
ALTER TABLE channels
  ADD COLUMN kind            text   NOT NULL DEFAULT 'public' CHECK (kind IN ('public', 'private', 'direct')),
  ADD COLUMN members_version bigint NOT NULL DEFAULT 0;

CREATE TABLE channel_members (
  channel_id bigint      NOT NULL REFERENCES channels (id),
  user_id    bigint      NOT NULL REFERENCES users (id),
  added_by   bigint      REFERENCES users (id),
  added_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel_id, user_id)
);

-- The last event number a person has read in a channel, the same in every browser and on every
-- node; unread counts are the messages of others after it.
CREATE TABLE read_positions (
  user_id    bigint      NOT NULL REFERENCES users (id),
  channel_id bigint      NOT NULL REFERENCES channels (id),
  seq        bigint      NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, channel_id)
);

-- People are invited, messaged and mentioned by name: found case-insensitively, by prefix too.
CREATE INDEX users_lower_name_idx ON users (lower(name) text_pattern_ops);
