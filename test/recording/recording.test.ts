import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecordingWriter, readRecording } from '../../src/recording/recording.js';

describe('RecordingWriter', () => {
  it('keeps an event an event whatever its fields are called', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mpheap-rec-')), 'r.ndjson');
    const w = new RecordingWriter(path, { startedAt: 1 });
    // A field named like the record's own keys must not turn the record into something else.
    w.event('exception', { type: 'MemoryError', time: 'later', message: 'allocating 6000 bytes' }, 42);
    w.close();
    const rec = readRecording(path);
    expect(rec.warnings).toEqual([]);
    expect(rec.events).toEqual([
      { type: 'event', time: 42, event: 'exception', message: 'allocating 6000 bytes' },
    ]);
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
  });
});
