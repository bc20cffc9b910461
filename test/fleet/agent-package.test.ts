/**
 * agent/package.json is what `mip.install('github:OWNER/REPO/agent')` and `mpremote mip install`
 * read: it must name every agent module, each under its own name beside package.json, so the
 * relative URLs resolve against the folder the package.json was fetched from.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_DIR, agentFiles } from '../../src/fleet/agent-files.js';

const pkg = JSON.parse(readFileSync(join(AGENT_DIR, 'package.json'), 'utf8')) as {
  urls: [string, string][];
  deps: [string, string][];
  version: string;
};

describe('agent/package.json', () => {
  it('installs exactly the agent modules, each from the file of that name beside it', () => {
    const names = agentFiles().map((f) => f.name);
    expect(pkg.urls.map(([target]) => target).sort()).toEqual([...names].sort());
    for (const [target, url] of pkg.urls) expect(url).toBe(target);
  });

  it('asks for umqtt.simple (the MQTT transport) from micropython-lib', () => {
    expect(pkg.deps).toEqual([['umqtt.simple', 'latest']]);
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
