/**
 * Versioned schema migrations. `PRAGMA user_version` holds the number of migrations applied;
 * each one runs in its own transaction, so a crash leaves the file at a known version.
 * Never edit a shipped migration: append a new one.
 */
export interface Migration {
  version: number
  name: string
  sql: string
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'datasets, experiments, runs, epochs, scores, logs',
    sql: `
      CREATE TABLE datasets (
        id            TEXT PRIMARY KEY,            -- sha256 of the content (version identity)
        name          TEXT NOT NULL,
        source        TEXT NOT NULL,               -- 'generated' | 'imported' | 'edited'
        generator     TEXT,                        -- scenario id for generated data
        params        TEXT NOT NULL DEFAULT '{}',  -- JSON: generator params or import options
        parent_id     TEXT REFERENCES datasets(id),
        rows          INTEGER NOT NULL,
        columns       TEXT NOT NULL,               -- JSON array of feature names
        interval_ms   REAL NOT NULL,
        anomaly_rate  REAL NOT NULL,
        type_names    TEXT NOT NULL,               -- JSON array
        type_counts   TEXT NOT NULL,               -- JSON object
        created_at    TEXT NOT NULL
      );
      -- Column data as compact little-endian arrays (Float32 values, Float64 timestamps, Uint8 labels).
      CREATE TABLE dataset_arrays (
        dataset_id    TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        name          TEXT NOT NULL,               -- 'timestamps' | 'labels' | 'types' | 'col:<feature>'
        dtype         TEXT NOT NULL,               -- 'f32' | 'f64' | 'u8'
        data          BLOB NOT NULL,
        PRIMARY KEY (dataset_id, name)
      );
      CREATE TABLE experiments (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL,
        spec          TEXT NOT NULL,               -- JSON, as validated
        spec_hash     TEXT NOT NULL,
        source_file   TEXT,
        created_at    TEXT NOT NULL,
        UNIQUE (name)                              -- re-queuing a name extends that experiment
      );
      CREATE TABLE runs (
        id                INTEGER PRIMARY KEY,
        experiment_id     INTEGER NOT NULL REFERENCES experiments(id),
        model_kind        TEXT NOT NULL,
        params            TEXT NOT NULL,           -- JSON: resolved params
        status            TEXT NOT NULL CHECK (status IN ('queued','running','done','failed','cancelled','interrupted')),
        status_reason     TEXT,
        backend           TEXT,                    -- JSON {name, skipped[]}
        train_dataset_id  TEXT REFERENCES datasets(id),
        test_dataset_id   TEXT REFERENCES datasets(id),
        threshold         REAL,
        metrics           TEXT,                    -- JSON: test metrics
        train_metrics     TEXT,                    -- JSON
        confusion         TEXT,                    -- JSON {tn, fp, fn, tp} on test
        targets           TEXT NOT NULL DEFAULT '[]', -- JSON: target results
        curves            TEXT,                    -- JSON: roc, pr, histogram (downsampled)
        recall_by_type    TEXT,                    -- JSON
        model             TEXT,                    -- JSON: the trained model (small models only)
        workbench_version TEXT NOT NULL,
        host_pid          INTEGER,                 -- process that owns the run (app, CLI or web host)
        worker_pid        INTEGER,
        created_at        TEXT NOT NULL,
        started_at        TEXT,
        finished_at       TEXT,
        duration_ms       REAL
      );
      CREATE INDEX runs_by_experiment ON runs(experiment_id);
      CREATE INDEX runs_by_status ON runs(status);
      CREATE TABLE run_epochs (
        run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch         INTEGER NOT NULL,
        metrics       TEXT NOT NULL,               -- JSON object of numbers
        confusion     TEXT,                        -- JSON {tn, fp, fn, tp}
        histogram     BLOB,                        -- Float32 counts, normal then anomalous
        created_at    TEXT NOT NULL,
        PRIMARY KEY (run_id, epoch)
      );
      -- Per-window scores of every evaluated split, so thresholds and misses can be explored later.
      CREATE TABLE run_scores (
        run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        split         TEXT NOT NULL,               -- 'train' | 'validation' | 'test'
        dataset_id    TEXT REFERENCES datasets(id),
        count         INTEGER NOT NULL,
        scores        BLOB NOT NULL,               -- Float32
        labels        BLOB NOT NULL,               -- Uint8
        types         BLOB,                        -- Uint8 anomaly-type codes
        PRIMARY KEY (run_id, split)
      );
      CREATE TABLE run_logs (
        id            INTEGER PRIMARY KEY,
        run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        at            TEXT NOT NULL,
        level         TEXT NOT NULL,
        message       TEXT NOT NULL
      );
      CREATE INDEX run_logs_by_run ON run_logs(run_id, id);
    `
  },
  {
    version: 2,
    name: 'dataset segments, extra label columns, version notes',
    sql: `
      ALTER TABLE datasets ADD COLUMN segments TEXT;            -- JSON [{id, start, end}] or NULL (one segment)
      ALTER TABLE datasets ADD COLUMN target_names TEXT;        -- JSON array of extra label columns or NULL
      ALTER TABLE datasets ADD COLUMN note TEXT;                -- what made this version (e.g. 'relabelled 3 ranges')
      ALTER TABLE datasets ADD COLUMN label_count INTEGER;      -- anomalous points
      CREATE INDEX datasets_by_parent ON datasets(parent_id);
    `
  },
  {
    version: 3,
    name: 'persistent trial queue',
    sql: `
      ALTER TABLE experiments ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'paused', 'cancelled'));
      ALTER TABLE experiments ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE experiments ADD COLUMN updated_at TEXT;
      CREATE TABLE trials (
        id            INTEGER PRIMARY KEY,
        experiment_id INTEGER NOT NULL REFERENCES experiments(id),
        identity      TEXT NOT NULL,               -- sha256(model kind, resolved params, data, workbench version)
        ordinal       INTEGER NOT NULL,            -- position in the search's order
        params        TEXT NOT NULL,               -- JSON: resolved model params
        priority      INTEGER NOT NULL DEFAULT 0,  -- higher runs first
        status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'skipped')),
        attempts      INTEGER NOT NULL DEFAULT 0,
        run_id        INTEGER REFERENCES runs(id), -- the latest run of this trial
        host_pid      INTEGER,                     -- process running it (restart safety)
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        UNIQUE (experiment_id, identity)
      );
      CREATE INDEX trials_queue ON trials(status, priority DESC, ordinal);
      ALTER TABLE runs ADD COLUMN trial_id INTEGER REFERENCES trials(id);
      CREATE INDEX runs_by_trial ON runs(trial_id);
    `
  },
  {
    version: 4,
    name: 'bundle evaluations and settings',
    sql: `
      -- A bundle (local or a colleague's) scored on a local dataset version: A/B beside the runs.
      CREATE TABLE bundle_evaluations (
        id            INTEGER PRIMARY KEY,
        bundle_sha    TEXT NOT NULL,               -- sha256 of the bundle's manifest.json
        bundle_name   TEXT NOT NULL,
        bundle_dir    TEXT NOT NULL,
        dataset_id    TEXT NOT NULL REFERENCES datasets(id),
        threshold     REAL NOT NULL,
        windows       INTEGER NOT NULL,
        metrics       TEXT NOT NULL,               -- JSON
        confusion     TEXT NOT NULL,               -- JSON
        created_at    TEXT NOT NULL
      );
      CREATE INDEX bundle_evaluations_by_dataset ON bundle_evaluations(dataset_id);
      CREATE TABLE settings (
        key           TEXT PRIMARY KEY,
        value         TEXT NOT NULL                -- JSON
      );
    `
  },
  {
    version: 5,
    name: 'leases: processes that run trials, with heartbeats',
    sql: `
      -- One row per process that may run trials on this workspace (app, serve, CLI run). A trial
      -- or run is owned by one of them; an owner whose process died or whose heartbeat is older
      -- than the lease loses its trials back to the queue (outcomes-repo.ts).
      CREATE TABLE hosts (
        owner         TEXT PRIMARY KEY,            -- hostname:pid:nonce
        hostname      TEXT NOT NULL,
        pid           INTEGER NOT NULL,
        proc_start    TEXT,                        -- the process's start time (Linux /proc), against pid reuse
        started_at    TEXT NOT NULL,
        heartbeat_at  INTEGER NOT NULL             -- ms since the epoch
      );
      ALTER TABLE trials ADD COLUMN owner TEXT;    -- hosts.owner while running
      ALTER TABLE runs ADD COLUMN owner TEXT;      -- hosts.owner while running
      CREATE INDEX trials_running ON trials(status, owner);
    `
  },
  {
    version: 6,
    name: 'scores traced to rows',
    sql: `
      -- Each window's first row in the dataset version (Int32), and the rows per window: a
      -- stored score leads back to its rows, timestamps, segment and raw values. NULL for runs
      -- stored before this (their errors cannot be traced, and say so).
      ALTER TABLE run_scores ADD COLUMN starts BLOB;
      ALTER TABLE run_scores ADD COLUMN window_length INTEGER;
    `
  },
  {
    version: 7,
    name: 'threshold decisions',
    sql: `
      -- Thresholds chosen for a run after training (a decision, not a retrain), oldest first. The
      -- run's current chosen threshold is its latest row, unless that row went back to the
      -- trained one (source 'trained'): one history, no second copy to keep in step.
      CREATE TABLE run_thresholds (
        id            INTEGER PRIMARY KEY,
        run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        threshold     REAL NOT NULL,
        source        TEXT NOT NULL CHECK (source IN ('manual', 'pick-targets', 'pick-objective', 'trained')),
        basis         TEXT NOT NULL,               -- how it was chosen, in words
        note          TEXT,
        validation    TEXT,                        -- JSON: validation metrics at the threshold
        test          TEXT,                        -- JSON: test metrics at the threshold
        created_at    TEXT NOT NULL
      );
      CREATE INDEX run_thresholds_by_run ON run_thresholds(run_id, id);
    `
  },
  {
    version: 8,
    name: 'feature importance per run',
    sql: `
      -- Each finished run's global feature importance (importance-repo.ts), computed after it
      -- finished or on demand, in an inference worker: Isolation Forest from the trees, deep
      -- models by permutation on the validation windows. A row with an error records why it
      -- could not be computed (asked again with recompute).
      CREATE TABLE run_feature_importance (
        run_id        INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        method        TEXT,                        -- 'path-length' | 'permutation'; NULL with error
        split         TEXT,                        -- the split measured on
        metric        TEXT,                        -- what an importance measures, in words
        windows_used  INTEGER,
        windows_total INTEGER,
        repeats       INTEGER,                     -- shuffles per feature (permutation)
        features      TEXT,                        -- JSON [{name, importance, std}], largest first
        note          TEXT,
        error         TEXT,                        -- why it could not be computed
        computed_at   TEXT NOT NULL,
        compute_ms    REAL
      );
    `
  },
  {
    version: 9,
    name: 'run tags and notes',
    sql: `
      -- What a person says about a run after the fact (history-repo.ts): free tags to group and
      -- filter runs by, and one note. Neither changes what the run measured.
      CREATE TABLE run_tags (
        run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        tag           TEXT NOT NULL,
        PRIMARY KEY (run_id, tag)
      );
      CREATE INDEX run_tags_by_tag ON run_tags(tag, run_id);
      ALTER TABLE runs ADD COLUMN note TEXT;
    `
  },
  {
    version: 10,
    name: 'validation metrics and versions',
    sql: `
      -- Metrics on the validation part at the run's threshold: what a search's winner is chosen
      -- on (test is only reported). The validation version, when a third dataset validates.
      ALTER TABLE runs ADD COLUMN validation_metrics TEXT;
      ALTER TABLE runs ADD COLUMN validation_dataset_id TEXT REFERENCES datasets(id);
      -- A per-segment protocol's segments: JSON [{segment, rows, threshold, confusion, metrics, validationMetrics}].
      ALTER TABLE runs ADD COLUMN per_segment TEXT;
      -- Rows in each part the split made: JSON {train, validation, test}.
      ALTER TABLE runs ADD COLUMN part_rows TEXT;
    `
  },
  {
    version: 11,
    name: 'column roles and unlabelled versions',
    sql: `
      -- Every column of the imported files and its role (feature, label, type, extra-label,
      -- ignored, timestamp, entity), JSON [{name, role}] in file order; NULL when not recorded
      -- (generated data, imports from before roles).
      ALTER TABLE datasets ADD COLUMN column_roles TEXT;
      -- 1 when the data came without labels: its labels are all 0 and mean "unknown", not "normal".
      ALTER TABLE datasets ADD COLUMN unlabelled INTEGER NOT NULL DEFAULT 0;
    `
  },
  {
    version: 12,
    name: 'model blobs, packed score arrays',
    sql: `
      -- The binary parts of trained models (model-blobs-repo.ts), e.g. an Isolation Forest's
      -- trees (core/models/iforest-codec.ts), by content: runs.model refers to them as
      -- {"$blob": hash, "type": ...}, and a forest that several trials grew alike (a search over
      -- the threshold only) is stored once. Runs stored before keep their models as JSON.
      CREATE TABLE model_blobs (
        hash          TEXT PRIMARY KEY,            -- sha256 of bytes
        bytes         BLOB NOT NULL
      );
      -- How a split's labels, types and starts are stored (runs-repo.ts saveScores): NULL raw
      -- little-endian arrays (rows stored before); 'deflate': labels and types deflated, starts
      -- as deflated deltas. Scores stay raw float32 (they do not compress, and are read most).
      ALTER TABLE run_scores ADD COLUMN packing TEXT;
    `
  },
  {
    version: 13,
    name: 'where a run ran',
    sql: `
      -- The workbench agent that ran it (issue 14: trials on other machines through Redis); NULL
      -- for a run on this host's own workers. The backend it trained on is in runs.backend.
      ALTER TABLE runs ADD COLUMN agent TEXT;
    `
  }
]
