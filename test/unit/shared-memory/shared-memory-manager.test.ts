/**
 * SharedMemoryManager against real POSIX shared-memory objects under /dev/shm: registration rules
 * and Triton's texts, status shapes, unregistration, the CUDA calls and the --allow-client-shm
 * switch.
 */
import { readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Status } from '../../../src/common/errors.js';
import { SharedMemoryManager } from '../../../src/core/index.js';
import { serverErrorOf } from '../../helpers/server-error-of.js';

let serial = 0;
const created: string[] = [];

/** A fresh /dev/shm object of `size` bytes; returns its key. */
function shmObject(size: number): string {
  const key = `/nereid_unit_${process.pid}_${serial++}`;
  writeFileSync(`/dev/shm${key}`, new Uint8Array(size));
  created.push(`/dev/shm${key}`);
  return key;
}

/** How many of this process's file descriptors point at `path`. */
function openFilesOf(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // Closed while listing.
    }
  }
  return n;
}

afterEach(() => {
  for (const path of created.splice(0)) rmSync(path, { force: true });
});

describe('SharedMemoryManager', () => {
  it('registers regions and reports them sorted by name in Triton status shape', () => {
    const m = new SharedMemoryManager({ enabled: true });
    const key = shmObject(256);
    m.registerSystem('zeta', key, 128, 64);
    m.registerSystem('alpha', key, 0, 128);
    expect(m.systemStatus()).toEqual([
      { name: 'alpha', key, offset: 0, byte_size: 128 },
      { name: 'zeta', key, offset: 128, byte_size: 64 },
    ]);
    expect(m.systemStatus('zeta')).toEqual([{ name: 'zeta', key, offset: 128, byte_size: 64 }]);
    m.close();
  });

  it('refuses a region past --max-shared-memory-regions with UNAVAILABLE and opens no descriptor for it', () => {
    const m = new SharedMemoryManager({ enabled: true, maxRegions: 2 });
    const key = shmObject(64);
    m.registerSystem('a', key, 0, 32);
    m.registerSystem('b', key, 32, 32);
    const err = serverErrorOf(() => m.registerSystem('c', key, 0, 32));
    expect(err.status).toBe(Status.UNAVAILABLE);
    expect(err.code).toBe('ERR_SHM_TOO_MANY_REGIONS');
    expect(err.message).toBe(
      "Cannot register shared memory region 'c': 2 regions are registered already (--max-shared-memory-regions); unregister one first",
    );
    expect(openFilesOf(`/dev/shm${key}`)).toBe(2);
    m.unregisterSystem('a');
    m.registerSystem('c', key, 0, 32);
    expect(m.size).toBe(2);
    m.close();
  });

  it('refuses a second region with the same name with ALREADY_EXISTS and keeps the first', () => {
    const m = new SharedMemoryManager({ enabled: true });
    const key = shmObject(64);
    m.registerSystem('r', key, 0, 64);
    const err = serverErrorOf(() => m.registerSystem('r', key, 0, 32));
    expect(err.status).toBe(Status.ALREADY_EXISTS);
    expect(err.message).toBe("shared memory region 'r' already in manager");
    expect(m.systemStatus('r')[0]!.byte_size).toBe(64);
    m.close();
  });

  it('refuses a region that passes the end of its object with INVALID_ARG naming the sizes', () => {
    const m = new SharedMemoryManager({ enabled: true });
    const key = shmObject(64);
    const err = serverErrorOf(() => m.registerSystem('r', key, 32, 64));
    expect(err.status).toBe(Status.INVALID_ARG);
    expect(err.message).toMatch(/^failed to register shared memory region 'r': invalid args/);
    expect(err.message).toContain('offset 32 + byte_size 64');
    expect(err.message).toContain('(64 bytes)');
    expect(m.size).toBe(0);
  });

  it('refuses keys of objects that do not exist with Triton INTERNAL open error', () => {
    const m = new SharedMemoryManager({ enabled: true });
    const err = serverErrorOf(() => m.registerSystem('r', `/nereid_missing_${process.pid}`, 0, 8));
    expect(err.status).toBe(Status.INTERNAL);
    expect(err.message).toMatch(/^Unable to open shared memory region: '\/nereid_missing_\d+'/);
  });

  it('refuses keys that would leave /dev/shm, reserved keys and symlinks', () => {
    const m = new SharedMemoryManager({ enabled: true });
    for (const key of ['/../etc/passwd', '/a/b', '/', '..', `/triton_python_backend_shm_region_1`]) {
      const err = serverErrorOf(() => m.registerSystem('r', key, 0, 1));
      expect(err.status).toBe(Status.INVALID_ARG);
      expect(err.code).toBe('ERR_SHM_BAD_KEY');
    }
    const target = shmObject(16);
    const link = `/dev/shm/nereid_unit_link_${process.pid}`;
    symlinkSync(`/dev/shm${target}`, link);
    created.push(link);
    expect(serverErrorOf(() => m.registerSystem('r', `/nereid_unit_link_${process.pid}`, 0, 8)).code).toBe(
      'ERR_SHM_OPEN',
    );
    expect(m.size).toBe(0);
  });

  it('unregisters one region, ignores unknown names and unregisters all with an empty name', () => {
    const m = new SharedMemoryManager({ enabled: true });
    const key = shmObject(64);
    m.registerSystem('a', key, 0, 32);
    m.registerSystem('b', key, 32, 32);
    m.unregisterSystem('nope');
    m.unregisterSystem('a');
    expect(m.systemStatus().map((r) => r.name)).toEqual(['b']);
    m.unregisterSystem();
    expect(m.systemStatus()).toEqual([]);
  });

  it('answers status of an unknown region with NOT_FOUND and Triton text', () => {
    const m = new SharedMemoryManager({ enabled: true });
    const err = serverErrorOf(() => m.systemStatus('nope'));
    expect(err.status).toBe(Status.NOT_FOUND);
    expect(err.message).toBe("Unable to find system shared memory region: 'nope'");
  });

  it('answers the CUDA calls as a Triton without GPUs does', () => {
    const m = new SharedMemoryManager({ enabled: true });
    m.registerSystem('sys', shmObject(8), 0, 8);
    const register = serverErrorOf(() => m.registerCuda('gpu'));
    expect(register.status).toBe(Status.INVALID_ARG);
    expect(register.message).toBe("failed to register CUDA shared memory region: 'gpu', GPUs not supported");
    expect(() => m.unregisterCuda()).not.toThrow();
    expect(() => m.unregisterCuda('sys')).not.toThrow();
    expect(m.systemStatus('sys')).toHaveLength(1);
    expect(m.cudaStatus()).toEqual([]);
    expect(serverErrorOf(() => m.cudaStatus('gpu')).message).toBe(
      "Unable to find cuda shared memory region: 'gpu'",
    );
    expect(serverErrorOf(() => m.cudaStatus('sys')).message).toContain('registered as system shared memory');
    m.close();
  });

  it('checks a tensor against its region: unknown region, offset past the end, size past the end', () => {
    const m = new SharedMemoryManager({ enabled: true });
    m.registerSystem('r', shmObject(128), 64, 64);
    expect(m.regionFor('r', 32, 32).name).toBe('r');
    const unknown = serverErrorOf(() => m.regionFor('x', 0, 4));
    expect([unknown.status, unknown.message]).toEqual([
      Status.NOT_FOUND,
      "Unable to find shared memory region: 'x'",
    ]);
    expect(serverErrorOf(() => m.regionFor('r', 64, 0)).message).toMatch(
      /^Invalid offset for shared memory region: 'r'/,
    );
    const size = serverErrorOf(() => m.regionFor('r', 32, 33));
    expect(size.status).toBe(Status.INVALID_ARG);
    expect(size.message).toMatch(/^Invalid offset \+ byte size for shared memory region: 'r'/);
    m.close();
  });

  it('refuses every call with UNSUPPORTED naming --allow-client-shm when disabled', () => {
    const m = new SharedMemoryManager();
    const key = shmObject(8);
    for (const call of [
      () => m.registerSystem('r', key, 0, 8),
      () => m.unregisterSystem(),
      () => m.systemStatus(),
      () => m.registerCuda('r'),
      () => m.unregisterCuda(),
      () => m.cudaStatus(),
    ]) {
      const err = serverErrorOf(call);
      expect(err.status).toBe(Status.UNSUPPORTED);
      expect(err.message).toContain('--allow-client-shm=true');
    }
    expect(m.size).toBe(0);
  });

  it('holds one open file per region and closes it on unregister and on close', () => {
    const m = new SharedMemoryManager({ enabled: true });
    const key = shmObject(16);
    m.registerSystem('a', key, 0, 8);
    m.registerSystem('b', key, 8, 8);
    expect(openFilesOf(`/dev/shm${key}`)).toBe(2);
    m.unregisterSystem('a');
    expect(openFilesOf(`/dev/shm${key}`)).toBe(1);
    m.close();
    expect(openFilesOf(`/dev/shm${key}`)).toBe(0);
  });
});
