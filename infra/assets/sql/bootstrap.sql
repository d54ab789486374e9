-- agentyard data tier bootstrap. Runs during `pulumi up` whenever this file (or the embedding
-- size) changes, and must be safe to run any number of times: every statement is idempotent.
-- The vector size placeholder below is replaced by the DataTier's embeddingDimensions before it runs.

CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";

-- pg_stat_statements needs the server to preload it (the DataTier's parameter group does on RDS);
-- a server without it keeps working and says so instead of failing the deployment.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements') THEN
    CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
  ELSE
    RAISE WARNING 'pg_stat_statements is not available on this server: query statistics are off';
  END IF;
END
$$;

CREATE SCHEMA IF NOT EXISTS agentyard;

-- What agents remember: one row per message or fact, searchable by meaning within an agent.
CREATE TABLE IF NOT EXISTS agentyard.agent_memories (
  id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
  agent_id text NOT NULL,
  session_id text,
  role text NOT NULL DEFAULT 'assistant' CHECK (role IN ('system', 'user', 'assistant', 'tool', 'fact')),
  content text NOT NULL,
  embedding vector(__EMBEDDING_DIMENSIONS__),
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz
);
CREATE INDEX IF NOT EXISTS agent_memories_session_idx
  ON agentyard.agent_memories (agent_id, session_id, created_at DESC);
CREATE INDEX IF NOT EXISTS agent_memories_expires_idx
  ON agentyard.agent_memories (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS agent_memories_embedding_hnsw_idx
  ON agentyard.agent_memories USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);

-- Retrieval corpus: documents split into chunks, one embedding per chunk.
CREATE TABLE IF NOT EXISTS agentyard.documents (
  id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
  collection text NOT NULL DEFAULT 'default',
  source text NOT NULL,
  chunk_index integer NOT NULL DEFAULT 0 CHECK (chunk_index >= 0),
  content text NOT NULL,
  embedding vector(__EMBEDDING_DIMENSIONS__) NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (collection, source, chunk_index)
);
CREATE INDEX IF NOT EXISTS documents_metadata_idx
  ON agentyard.documents USING gin (metadata jsonb_path_ops);
CREATE INDEX IF NOT EXISTS documents_embedding_hnsw_idx
  ON agentyard.documents USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);

-- Which versions of this file have run, and how often: the answer to "did the bootstrap run?".
CREATE TABLE IF NOT EXISTS agentyard.bootstrap_history (
  checksum text PRIMARY KEY,
  first_applied_at timestamptz NOT NULL DEFAULT now(),
  last_applied_at timestamptz NOT NULL DEFAULT now(),
  applied_count integer NOT NULL DEFAULT 1
);
