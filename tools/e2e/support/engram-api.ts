/** A client of the Engram HTTP API, as operators use it. */
export class EngramApi {
  constructor(readonly baseUrl: string) {}

  async remember(content: string, confidence = 0.9): Promise<{ status: number; id?: string }> {
    const response = await fetch(`${this.baseUrl}/api/v1/memories/remember`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content, confidence }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = response.status === 201 ? ((await response.json()) as { memory_id: string }) : undefined;
    return { status: response.status, id: body?.memory_id };
  }

  async search(query: string, limit = 10_000): Promise<string[]> {
    const response = await fetch(
      `${this.baseUrl}/api/v1/memories/search?query=${encodeURIComponent(query)}&limit=${limit}`,
      {
        signal: AbortSignal.timeout(10_000),
      },
    );
    if (response.status !== 200) throw new Error(`search answered ${response.status}`);
    const body = (await response.json()) as { memories: { content: string }[] };
    return body.memories.map((memory) => memory.content);
  }

  async json<T = any>(path: string): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.baseUrl}${path}`, { signal: AbortSignal.timeout(5000) });
    return { status: response.status, body: (await response.json()) as T };
  }

  async text(path: string): Promise<{ status: number; body: string }> {
    const response = await fetch(`${this.baseUrl}${path}`, { signal: AbortSignal.timeout(5000) });
    return { status: response.status, body: await response.text() };
  }
}
