/**
 * The asyncio shim on the real engine: tasks interleave on the virtual clock, gather, wait_for,
 * cancellation, Event, ThreadSafeFlag (set from a Timer callback), Lock, the loop's API.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeEngines, linesOf, runShimmed } from './shimmed.js';

afterEach(closeEngines);

const py = (...lines: string[]) => lines.join('\n');

describe('asyncio shim', () => {
  it('replaces the build asyncio (which has no run) for asyncio and uasyncio', async () => {
    const out = await linesOf(
      py(
        'import asyncio, uasyncio, sys',
        "print(asyncio is uasyncio, asyncio.__file__, hasattr(asyncio, 'run'))",
      ),
    );
    expect(out).toEqual(['True asyncio.py True']);
  });

  it('interleaves three tasks by their sleeps and gathers their results in order', async () => {
    const out = await linesOf(
      py(
        'import asyncio, time',
        'log = []',
        'async def worker(name, period, n):',
        '    for i in range(n):',
        '        log.append(name + str(i))',
        '        await asyncio.sleep_ms(period)',
        '    return name * 2',
        'async def main():',
        '    t0 = time.ticks_ms(); r0 = time._b.ticks_ms()',
        "    r = await asyncio.gather(worker('a', 100, 4), worker('b', 140, 3), worker('c', 250, 2))",
        '    ms = time.ticks_diff(time.ticks_ms(), t0)',
        '    return r, ms, time.ticks_diff(time._b.ticks_ms(), r0)',
        'print(asyncio.run(main()))',
        'print(" ".join(log))',
      ),
    );
    // a at 0, 100, 200, 300; b at 0, 140, 280; c at 0, 250 (at 0 in the order they were
    // created); the last sleep ends at 500 (c's). ticks_ms counts real time too: what the
    // engine took (more on a busy machine) comes on top, and never more than the real time the
    // script measured around it (time._b is the engine's real clock).
    expect(out[1]).toBe('a0 b0 c0 a1 b1 a2 c1 b2 a3');
    const [, results, ms, real] = /^\((\[.*\]), (\d+), (\d+)\)$/.exec(out[0]) ?? [];
    expect(results).toBe("['aa', 'bb', 'cc']");
    expect(Number(ms)).toBeGreaterThanOrEqual(500);
    expect(Number(ms)).toBeLessThanOrEqual(500 + Number(real));
  });

  it('wait_for times out and cancels; a cancelled task sees CancelledError; await returns results', async () => {
    const out = await linesOf(
      py(
        'import asyncio',
        'async def slow():',
        '    try:',
        '        await asyncio.sleep(10)',
        '    except asyncio.CancelledError:',
        "        print('slow cancelled')",
        '        raise',
        'async def quick():',
        '    await asyncio.sleep_ms(5)',
        '    return 42',
        'async def main():',
        '    try:',
        '        await asyncio.wait_for(slow(), 0.5)',
        '    except asyncio.TimeoutError:',
        "        print('timeout')",
        '    print(await asyncio.wait_for_ms(quick(), 100), await asyncio.wait_for(quick(), None))',
        '    t = asyncio.create_task(slow())',
        '    await asyncio.sleep(0)',
        '    print(t.cancel(), t.done())',
        '    try:',
        '        await t',
        '    except asyncio.CancelledError:',
        "        print('await saw CancelledError', t.done(), t.cancel())",
        '    t2 = asyncio.create_task(quick())',
        '    print(await t2, await t2, asyncio.current_task() is not None)',
        'asyncio.run(main())',
      ),
    );
    expect(out).toEqual([
      'slow cancelled',
      'timeout',
      '42 42',
      'True False',
      'slow cancelled',
      'await saw CancelledError True False',
      '42 42 True',
    ]);
  });

  it('Event wakes every waiter; Lock serialises; gather can return exceptions', async () => {
    const out = await linesOf(
      py(
        'import asyncio',
        'ev = asyncio.Event()',
        'lock = asyncio.Lock()',
        'log = []',
        'async def waiter(n):',
        '    await ev.wait()',
        "    log.append('w%d' % n)",
        'async def holder(n):',
        '    async with lock:',
        "        log.append('in%d' % n)",
        '        await asyncio.sleep_ms(10)',
        "        log.append('out%d' % n)",
        'async def boom():',
        "    raise ValueError('bad')",
        'async def main():',
        '    ws = [asyncio.create_task(waiter(i)) for i in range(3)]',
        '    await asyncio.sleep_ms(1)',
        '    print(ev.is_set(), log)',
        '    ev.set()',
        '    await asyncio.gather(*ws)',
        '    await asyncio.gather(holder(1), holder(2))',
        '    print(log, lock.locked())',
        '    r = await asyncio.gather(boom(), ev.wait(), return_exceptions=True)',
        '    print(type(r[0]).__name__, r[1])',
        'asyncio.run(main())',
      ),
    );
    expect(out).toEqual([
      'False []',
      "['w0', 'w1', 'w2', 'in1', 'out1', 'in2', 'out2'] False",
      'ValueError True',
    ]);
  });

  it('a ThreadSafeFlag set from a machine.Timer callback wakes its task on the virtual clock', async () => {
    const out = await linesOf(
      py(
        'import asyncio, time',
        'from machine import Timer',
        'flag = asyncio.ThreadSafeFlag()',
        'tim = Timer(0, period=200, callback=lambda t: flag.set())',
        'async def main():',
        '    t0 = time.ticks_ms()',
        '    seen = []',
        '    for i in range(5):',
        '        await flag.wait()',
        '        seen.append((time.ticks_diff(time.ticks_ms(), t0) + 50) // 100 * 100)',
        '    tim.deinit()',
        '    return seen',
        'print(asyncio.run(main()))',
      ),
    );
    expect(out).toEqual(['[200, 400, 600, 800, 1000]']);
  });

  it('the loop API: get_event_loop, create_task, run_forever until stop, run_until_complete', async () => {
    const out = await linesOf(
      py(
        'import asyncio',
        'loop = asyncio.get_event_loop()',
        'n = [0]',
        'async def ticker():',
        '    while True:',
        '        n[0] += 1',
        '        if n[0] == 5:',
        '            loop.stop()',
        '        await asyncio.sleep_ms(100)',
        'async def answer():',
        '    await asyncio.sleep(1.05)',
        '    return 7',
        'loop.create_task(ticker())',
        'loop.run_forever()',
        'print(n[0])',
        'print(loop.run_until_complete(answer()), n[0])',
        'loop = asyncio.new_event_loop()',
        'print(loop.run_until_complete(answer()), n[0])',
        'loop.close()',
      ),
    );
    // ticker goes on while answer() runs (1.05 s: ten more passes), until new_event_loop().
    expect(out).toEqual(['5', '7 15', '7 15']);
  });

  it("prints a task's exception that nobody retrieved, and says when every task waits forever", async () => {
    const r = await runShimmed(
      py(
        'import asyncio',
        'async def bad():',
        "    raise OSError('sensor gone')",
        'async def main():',
        '    asyncio.create_task(bad())',
        '    await asyncio.sleep_ms(10)',
        "    print('main goes on')",
        '    await asyncio.Event().wait()',
        'asyncio.run(main())',
      ),
    );
    expect(r.output).toContain("Task exception wasn't retrieved");
    expect(r.output).toContain('OSError: sensor gone');
    expect(r.output).toContain('main goes on');
    expect(r.result.error?.type).toBe('RuntimeError');
    expect(r.result.error?.message).toContain('every task waits and nothing can wake one');
  });

  it('awaits sleeps without allocating, as a board does', async () => {
    const out = await linesOf(
      py(
        'import asyncio, gc',
        'a = 0',
        'async def spin(n):',
        '    global a',
        '    await asyncio.sleep_ms(1)',
        '    gc.collect()',
        '    a = gc.mem_alloc()',
        '    for i in range(n):',
        '        await asyncio.sleep_ms(10)',
        '    return gc.mem_alloc() - a',
        'print(asyncio.run(spin(1000)))',
      ),
    );
    expect(out).toEqual(['0']);
  });
});
