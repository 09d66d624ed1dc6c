/**
 * A contract call through a served workbench's HTTP door (`POST /api/<method>`), for tests and
 * benches that drive a real `workbench serve` from Node: the bearer token is the one in the URL
 * the server printed.
 */
export async function callServedApi<T>(url: string, method: string, input: unknown): Promise<T> {
  const u = new URL(url)
  const res = await fetch(`${u.origin}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${u.searchParams.get('token')}`, 'content-type': 'application/json' },
    body: JSON.stringify(input)
  })
  const body = (await res.json()) as { output?: T; error?: { message: string } }
  if (!res.ok || body.error) throw new Error(`${method}: ${body.error?.message ?? res.status}`)
  return body.output as T
}
