"""Schema 17: where medlyt's own numbered migrations end and Alembic's revisions begin.

SQLite (embedded): a file at any older schema is brought here by the numbered SQLite migrations
with their Python steps (meetings/db/migrations.py), as every release before did. PostgreSQL
(central): a new database gets the whole schema of 17 at once, and the audit log's append-only
triggers (the same three rules as SQLite's, migration 8). Never edit this file: add a revision.
"""

import sqlalchemy as sa
from alembic import context, op

from meetings.db.migrations import upgrade_sqlite

revision = "0017"
down_revision = None
branch_labels = None
depends_on = None

POSTGRES_AUDIT_TRIGGERS = """
CREATE FUNCTION audit_append_only_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE last_id integer; last_hash text;
BEGIN
    SELECT id, hash INTO last_id, last_hash FROM audit ORDER BY id DESC LIMIT 1;
    IF NEW.hash IS NULL OR NEW.id IS DISTINCT FROM coalesce(last_id, 0) + 1
       OR NEW.prev_hash IS DISTINCT FROM coalesce(last_hash, repeat('0', 64)) THEN
        RAISE EXCEPTION 'audit log is append-only: a new entry must extend the hash chain';
    END IF;
    RETURN NEW;
END $$;
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only';
END $$;
CREATE TRIGGER audit_append_only_insert BEFORE INSERT ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only_insert();
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
"""


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        upgrade_sqlite(conn, context.config.attributes["cipher"])
        return
    create_tables()
    op.execute(POSTGRES_AUDIT_TRIGGERS)


def create_tables() -> None:
    op.create_table('audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('meeting_id', sa.Text(), nullable=True),
    sa.Column('detail', sa.Text(), server_default='', nullable=False),
    sa.Column('user', sa.Text(), nullable=True),
    sa.Column('prev_hash', sa.Text(), nullable=True),
    sa.Column('hash', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('audit_by_action', 'audit', ['action', 'at'], unique=False)
    op.create_index('audit_by_meeting', 'audit', ['meeting_id', 'id'], unique=False)
    op.create_table('meetings',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('title', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), server_default='created', nullable=False),
    sa.Column('audio_path', sa.Text(), nullable=True),
    sa.Column('audio_sample_rate', sa.Integer(), nullable=True),
    sa.Column('audio_channels', sa.Integer(), nullable=True),
    sa.Column('audio_duration_s', sa.Float(), nullable=True),
    sa.Column('audio_source_name', sa.LargeBinary(), nullable=True),
    sa.Column('model', sa.Text(), nullable=True),
    sa.Column('processed_at', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.Text(), nullable=True),
    sa.Column('delete_after', sa.Text(), nullable=True),
    sa.Column('model_sha256', sa.Text(), nullable=True),
    sa.Column('model_revision', sa.Text(), nullable=True),
    sa.Column('seq', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('created', 'recorded', 'processed')", name='meetings_status'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('settings',
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('value', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('users',
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('created_at', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('voiceprints',
    sa.Column('user', sa.Text(), nullable=False),
    sa.Column('embedding', sa.LargeBinary(), nullable=False),
    sa.Column('method', sa.Text(), nullable=False),
    sa.Column('created_at', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('user')
    )
    op.create_table('analyses',
    sa.Column('meeting_id', sa.Text(), nullable=False),
    sa.Column('computed_at', sa.Text(), nullable=False),
    sa.Column('config', sa.LargeBinary(), nullable=False),
    sa.Column('config_source', sa.Text(), nullable=False),
    sa.Column('balance', sa.LargeBinary(), nullable=False),
    sa.Column('metrics', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id')
    )
    op.create_table('bookmarks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Text(), nullable=False),
    sa.Column('at_s', sa.Float(), nullable=False),
    sa.Column('by_user', sa.Text(), nullable=True),
    sa.Column('note', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Text(), nullable=False),
    sa.Column('at', sa.Text(), nullable=False),
    sa.Column('correction', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('development_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.LargeBinary(), nullable=False),
    sa.Column('by_user', sa.Text(), nullable=True),
    sa.Column('at', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('development_points_by_meeting', 'development_points', ['meeting_id', 'position'], unique=False)
    op.create_table('flag_reviews',
    sa.Column('meeting_id', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('start_ms', sa.Integer(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('note', sa.LargeBinary(), nullable=False),
    sa.Column('by_user', sa.Text(), nullable=True),
    sa.Column('at', sa.Text(), nullable=False),
    sa.CheckConstraint("status IN ('drøftet', 'ikke relevant')", name='flag_reviews_status'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'kind', 'start_ms')
    )
    op.create_table('flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('start_s', sa.Float(), nullable=False),
    sa.Column('end_s', sa.Float(), nullable=False),
    sa.Column('speaker', sa.Text(), nullable=True),
    sa.Column('tone', sa.Text(), nullable=False),
    sa.Column('message', sa.LargeBinary(), nullable=False),
    sa.Column('evidence', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('flags_by_meeting', 'flags', ['meeting_id', 'start_s'], unique=False)
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('work_key', sa.Text(), nullable=False),
    sa.Column('model', sa.Text(), nullable=True),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('progress', sa.Float(), server_default='0', nullable=False),
    sa.Column('message', sa.Text(), server_default='', nullable=False),
    sa.Column('queued_by', sa.Text(), nullable=True),
    sa.Column('queued_at', sa.Text(), nullable=False),
    sa.Column('started_at', sa.Text(), nullable=True),
    sa.Column('finished_at', sa.Text(), nullable=True),
    sa.Column('worker', sa.Text(), nullable=True),
    sa.Column('heartbeat', sa.Float(), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint("state IN ('queued', 'running', 'failed', 'done')", name='jobs_state'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('jobs_by_meeting', 'jobs', ['meeting_id', 'id'], unique=False)
    op.create_index('jobs_by_state', 'jobs', ['state', 'id'], unique=False)
    op.create_index('jobs_one_open_per_work', 'jobs', ['work_key'], unique=True, sqlite_where=sa.text("state IN ('queued', 'running')"), postgresql_where=sa.text("state IN ('queued', 'running')"))
    op.create_table('live_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Text(), nullable=False),
    sa.Column('start', sa.Float(), nullable=False),
    sa.Column('end', sa.Float(), nullable=False),
    sa.Column('speaker', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=True),
    sa.Column('text', sa.LargeBinary(), nullable=False),
    sa.Column('delay_s', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('live_lines_by_meeting', 'live_lines', ['meeting_id', 'start'], unique=False)
    op.create_table('live_sessions',
    sa.Column('meeting_id', sa.Text(), nullable=False),
    sa.Column('live', sa.Integer(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('started_at', sa.Text(), nullable=False),
    sa.Column('elapsed_s', sa.Float(), server_default='0', nullable=False),
    sa.Column('heartbeat', sa.Float(), nullable=False),
    sa.Column('stop_requested', sa.Integer(), server_default='0', nullable=False),
    sa.Column('overflows', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id')
    )
    op.create_table('participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('label', sa.LargeBinary(), nullable=False),
    sa.Column('speaks', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Integer(), nullable=True),
    sa.Column('user', sa.Text(), nullable=True),
    sa.CheckConstraint('speaks IN (0, 1)', name='participants_speaks'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'role')
    )
    op.create_table('retention_extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Text(), nullable=False),
    sa.Column('until', sa.Text(), nullable=False),
    sa.Column('reason', sa.LargeBinary(), nullable=False),
    sa.Column('by_user', sa.Text(), nullable=True),
    sa.Column('at', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('segments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Text(), nullable=False),
    sa.Column('start_s', sa.Float(), nullable=False),
    sa.Column('end_s', sa.Float(), nullable=False),
    sa.Column('speaker', sa.Text(), nullable=True),
    sa.Column('text', sa.LargeBinary(), nullable=False),
    sa.Column('avg_logprob', sa.Float(), nullable=True),
    sa.Column('no_speech_prob', sa.Float(), nullable=True),
    sa.Column('words', sa.LargeBinary(), nullable=False),
    sa.Column('loudness_db', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('segments_by_meeting', 'segments', ['meeting_id', 'start_s'], unique=False)
    op.create_table('session_notes',
    sa.Column('meeting_id', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=True),
    sa.Column('start_ms', sa.Integer(), nullable=True),
    sa.Column('author', sa.Text(), nullable=False),
    sa.Column('text', sa.LargeBinary(), nullable=False),
    sa.Column('by_user', sa.Text(), nullable=True),
    sa.Column('at', sa.Text(), nullable=False),
    sa.CheckConstraint("author IN ('leder', 'sagsbehandler', 'kollega')", name='session_notes_author'),
    sa.CheckConstraint('(kind IS NULL) = (start_ms IS NULL)', name='session_notes_moment'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE')
    )
    op.create_index('session_notes_one_per_author', 'session_notes', ['meeting_id', sa.literal_column("coalesce(kind, '')"), sa.literal_column('coalesce(start_ms, -1)'), 'author'], unique=True)
    op.create_table('shares',
    sa.Column('meeting_id', sa.Text(), nullable=False),
    sa.Column('leader', sa.Text(), nullable=False),
    sa.Column('shared_by', sa.Text(), nullable=True),
    sa.Column('shared_at', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'leader')
    )
    op.create_table('speakers',
    sa.Column('meeting_id', sa.Text(), nullable=False),
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('label', sa.LargeBinary(), nullable=False),
    sa.Column('role', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'id')
    )
    op.create_table('speech',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Text(), nullable=False),
    sa.Column('start_s', sa.Float(), nullable=False),
    sa.Column('end_s', sa.Float(), nullable=False),
    sa.Column('speaker', sa.Text(), nullable=True),
    sa.Column('loudness_db', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('speech_by_meeting', 'speech', ['meeting_id', 'start_s'], unique=False)
    op.create_table('web_sessions',
    sa.Column('token_hash', sa.Text(), nullable=False),
    sa.Column('user', sa.Text(), nullable=False),
    sa.Column('started', sa.Float(), nullable=False),
    sa.Column('active', sa.Float(), nullable=False),
    sa.Column('ended', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['user'], ['users.name'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('given', sa.Integer(), nullable=False),
    sa.Column('method', sa.Text(), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.Text(), nullable=False),
    sa.CheckConstraint('given IN (0, 1)', name='consents_given'),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('consents_by_participant', 'consents', ['participant_id', 'id'], unique=False)
