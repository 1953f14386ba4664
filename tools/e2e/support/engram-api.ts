/** Engram's embedding width: a remembered memory carries one vector of this many numbers. */
export const embeddingDimensions = 768;

/**
 * A distinct, deterministic unit vector for a memory's content, as a client with an embedding model
 * sends. Without one Engram stores a constant vector, and its deduplicator then drops every memory
 * after the first in a space while still answering 201 (see the runtime contract).
 */
export function embeddingFor(content: string): number[] {
  // FNV-1a of the content seeds a xorshift generator.
  let state = 0x811c9dc5;
  for (const char of content) state = Math.imul(state ^ char.charCodeAt(0), 0x01000193) >>> 0;
  if (state === 0) state = 1;
  const vector = Array.from({ length: embeddingDimensions }, () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0xffffffff - 0.5;
  });
  const norm = Math.hypot(...vector);
  return vector.map((value) => Number((value / norm).toFixed(6)));
}

export interface Remembered {
  status: number;
  id?: string;
}

/** A client of the Engram HTTP API, as operators use it. */
export class EngramApi {
  constructor(readonly baseUrl: string) {}

  /** POST /api/v1/memories/remember with a distinct embedding. */
  async remember(content: string, confidence = 0.9): Promise<Remembered> {
    const response = await fetch(`${this.baseUrl}/api/v1/memories/remember`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content, confidence, embedding: embeddingFor(content) }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = response.status === 201 ? ((await response.json()) as { memory_id: string }) : undefined;
    return { status: response.status, id: body?.memory_id };
  }

  /**
   * Remembers and reads the memory back by its id: a 201 alone does not prove the write landed
   * (a deduplicated memory also answers 201). Throws unless the memory reads back with its content.
   */
  async rememberConfirmed(content: string): Promise<string> {
    const { status, id } = await this.remember(content);
    if (status !== 201 || !id) throw new Error(`remember "${content}" answered ${status}`);
    const stored = await this.memory(id);
    if (stored.status !== 200 || stored.content !== content) {
      throw new Error(`memory ${id} ("${content}") reads back as ${stored.status} ${JSON.stringify(stored.content)}`);
    }
    return id;
  }

  /** GET /api/v1/memories/{id}. */
  async memory(id: string): Promise<{ status: number; content?: string }> {
    const response = await fetch(`${this.baseUrl}/api/v1/memories/${encodeURIComponent(id)}`, {
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 200) return { status: response.status };
    const body = (await response.json()) as { content?: string; memory?: { content?: string } };
    return { status: 200, content: body.content ?? body.memory?.content };
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
