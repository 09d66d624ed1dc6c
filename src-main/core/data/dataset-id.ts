/**
 * How a dataset version is named wherever one is asked for (a spec's `dataset.version`, an API
 * input's `id` or `datasetId`, a CLI argument): its content hash (sha256, 64 hex digits) or a
 * prefix of it. One rule for every door; a prefix that matches several versions, or none, is
 * refused where it is resolved (datasets-repo.ts `resolveDatasetId`).
 */
import { z } from 'zod'

/** Hex digits of the shortest prefix accepted: typed by hand, yet rarely ambiguous. */
export const DATASET_ID_MIN_DIGITS = 4

export const DATASET_ID_PATTERN = new RegExp(`^[0-9a-f]{${DATASET_ID_MIN_DIGITS},64}$`)

export const datasetIdSchema = z
  .string()
  .regex(DATASET_ID_PATTERN, `a dataset version is its content hash: 64 hex digits, or a unique prefix of at least ${DATASET_ID_MIN_DIGITS}`)
