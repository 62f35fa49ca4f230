/**
 * Reads a Server-Sent Events body (the generate_stream endpoint: `data: <json>\n\n` per event)
 * into the data payload of each event. Handles events split across chunks, CRLF line ends,
 * multi-line data fields and comment lines; ignores `event:`/`id:`/`retry:` fields, which the
 * KServe generate extension does not use. It does not parse the JSON payloads.
 */

/** Yields the `data` payload of each event of an SSE byte stream (multi-line data joined with '\n'). */
export async function* readSseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    if (buffer.includes('\r')) buffer = buffer.replace(/\r\n?/g, '\n');
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const data = eventData(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (data !== null) yield data;
      end = buffer.indexOf('\n\n');
    }
  }
  buffer += decoder.decode();
  const last = eventData(buffer.replace(/\r\n?/g, '\n'));
  if (last !== null) yield last;
}

/** The data of one event block, or null when the block has no data field. */
function eventData(block: string): string | null {
  let data: string | null = null;
  const lines = block.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith('data')) continue;
    if (line.length > 4 && line[4] !== ':') continue;
    let value = line.slice(5);
    if (value.startsWith(' ')) value = value.slice(1);
    data = data === null ? value : `${data}\n${value}`;
  }
  return data;
}
