/**
 * The web host's upload door, beside the contract: `POST /upload?name=<path inside the drop>
 * [&set=<id>]` with the file's bytes as the body (not a contract method: a file does not fit a
 * JSON call). Auth as every other door; errors as the HTTP door's `{ error: ApiErrorShape }`.
 * What it stages is then previewed and imported through the contract like any workspace path.
 */
import { z } from 'zod'

export const UPLOAD_PATH = '/upload'

export const stagedFileSchema = z.object({
  /** The upload set: the first file of a drop opens one, the others name it. */
  set: z.string(),
  /** The file's absolute path on the host. */
  path: z.string(),
  /** What to import for it: the file, or the top folder of its name (`…/skab` for `skab/valve1/0.csv`). */
  entry: z.string(),
  bytes: z.number().int()
})
export type StagedFile = z.infer<typeof stagedFileSchema>
