# mpheap board shim: `asyncio` (and `uasyncio`), a board-like event loop on the virtual clock.
# Tasks wait in one list linked through the tasks themselves (sorted by due time, so waking,
# sleeping and cancelling allocate nothing); when no task is ready the loop lets virtual time
# pass (time._go), firing Timer/Pin/WDT events on the way. See docs/shims.md.
import sys
import time as _t

_D = _t.ticks_diff
_A = _t.ticks_add
_head = None  # the queue: tasks by due time, linked through Task._nx
_cur = None  # the task running now
_stop = 0
_handler = None
_PARK = -1  # _W.due for "wait until someone wakes me" (an Event, a task, a lock)


class CancelledError(BaseException):
    pass


class TimeoutError(Exception):
    pass


def _unq(t):
    # Takes t out of the queue if it is there.
    global _head
    if not t._q:
        return
    t._q = 0
    if _head is t:
        _head = t._nx
    else:
        p = _head
        while p._nx is not t:
            p = p._nx
        p._nx = t._nx
    t._nx = None


def _push(t, due):
    # Queues t to run at `due`, after the tasks already due by then.
    global _head
    _unq(t)
    t._due = due
    t._q = 1
    p = _head
    if p is None or _D(due, p._due) < 0:
        t._nx = p
        _head = t
        return
    while p._nx is not None and _D(p._nx._due, due) <= 0:
        p = p._nx
    t._nx = p._nx
    p._nx = t


def _wake(w):
    # Wakes the first task parked in the waiter list w (an Event set, a task it awaits done).
    t = w.pop(0)
    t._wl = None
    _push(t, _t.ticks_ms())


class _Wait:
    # What every wait awaits: it yields to the loop once, then ends. One object, reused, so
    # `await sleep_ms(n)` allocates nothing but the small traceback of its ending.
    def __init__(self):
        self.due = None
        self.y = 0  # set when a task yielded through here: it is queued or parked
        self.end = StopIteration()

    def __iter__(self):
        return self

    __await__ = __iter__

    def __next__(self):
        d = self.due
        if d is None:
            self.end.__traceback__ = None
            raise self.end
        self.due = None
        self.y = 1
        if d is not _PARK:
            _push(_cur, d)
        return None


_W = _Wait()


def sleep_ms(ms):
    _W.due = _A(_t.ticks_ms(), ms if ms > 0 else 0)
    return _W


def sleep(s):
    return sleep_ms(int(s * 1000))


def _park(wl):
    # Waits until woken; wl is the list where the waker finds this task.
    wl.append(_cur)
    _cur._wl = wl
    _W.due = _PARK
    return _W


class Task:
    def __init__(self, coro):
        if not hasattr(coro, "send"):
            raise TypeError("coroutine expected")
        self._c = coro
        self._nx = None
        self._due = 0
        self._q = 0
        self._wl = None  # the waiter list this task is parked in
        self._x = None  # an exception to throw in when it next runs (CancelledError)
        self._w = None  # tasks waiting for this one; [] once someone will look at the result
        self._st = 0  # 0 running, 1 returned _r, 2 raised _r
        self._r = None

    def done(self):
        return self._st != 0

    def cancel(self):
        if self._st:
            return False
        self._x = CancelledError()
        if self is not _cur:
            if self._wl is not None:
                self._wl.remove(self)
                self._wl = None
            _push(self, _t.ticks_ms())
        return True

    def _end(self, st, r):
        self._st = st
        self._r = r
        w = self._w
        if w is None:
            if st == 2 and not isinstance(r, CancelledError):
                _loop.call_exception_handler({"message": "Task exception wasn't retrieved", "exception": r, "future": self})
            return
        while w:
            _wake(w)

    def _result(self):
        if self._st == 2:
            raise self._r
        return self._r

    def __iter__(self):
        if not self._st:
            if self._w is None:
                self._w = []
            yield from _park(self._w)
        return self._result()

    __await__ = __iter__


def create_task(coro):
    t = Task(coro)
    _push(t, _t.ticks_ms())
    return t


def current_task():
    if _cur is None:
        raise RuntimeError("no running event loop")
    return _cur


def _step(t):
    global _cur
    _cur = t
    x = t._x
    t._x = None
    _W.y = 0
    try:
        if x is None:
            t._c.send(None)
        else:
            t._c.throw(x)
    except StopIteration as e:
        t._end(1, e.value)
    except (CancelledError, Exception) as e:
        t._end(2, e)
    else:
        if not _W.y:
            # It yielded something that is not ours (a bare `yield`): run it again soon.
            _push(t, _t.ticks_ms())
    finally:
        _cur = None


def _run(until):
    # Runs tasks until `until` is done (None: until stop()).
    global _stop, _head
    while True:
        if until is not None and until._st:
            return
        if _stop:
            _stop = 0
            return
        t = _head
        if t is None:
            e = _t._first()
            if e is None:
                raise RuntimeError("asyncio: every task waits and nothing can wake one (no timer, pin edge or sleeping task)")
            d = _D(e._due, _t.ticks_ms())
            _t._go(d if d > 0 else 0, 0, 1)
            continue
        d = _D(t._due, _t.ticks_ms())
        if d > 0:
            _t._go(d, 0, 1)
            continue
        _head = t._nx
        t._nx = None
        t._q = 0
        _step(t)


async def gather(*aws, return_exceptions=False):
    ts = [a if isinstance(a, Task) else create_task(a) for a in aws]
    for t in ts:
        if t._w is None:
            t._w = []
    r = []
    for t in ts:
        try:
            r.append(await t)
        except Exception as e:
            if not return_exceptions:
                raise
            r.append(e)
    return r


async def wait_for_ms(aw, ms):
    t = aw if isinstance(aw, Task) else create_task(aw)
    if ms is None:
        return await t
    if not t._st:
        if t._w is None:
            t._w = []
        me = _cur
        t._w.append(me)
        me._wl = t._w
        await sleep_ms(ms)
        if me._wl is not None:
            me._wl.remove(me)
            me._wl = None
        if not t._st:
            # As CPython does: the cancelled task's cleanup runs before TimeoutError is raised.
            t.cancel()
            try:
                await t
            except (CancelledError, Exception):
                pass
            raise TimeoutError
    return t._result()


def wait_for(aw, timeout):
    return wait_for_ms(aw, None if timeout is None else int(timeout * 1000))


class Event:
    def __init__(self):
        self._s = 0
        self._w = []

    def is_set(self):
        return self._s == 1

    def set(self):
        self._s = 1
        w = self._w
        while w:
            _wake(w)

    def clear(self):
        self._s = 0

    async def wait(self):
        if not self._s:
            await _park(self._w)
        return True


class ThreadSafeFlag:
    # set() may be called from a Timer or Pin irq callback: it allocates nothing.
    def __init__(self):
        self._s = 0
        self._w = []

    def set(self):
        self._s = 1
        if self._w:
            _wake(self._w)

    def clear(self):
        self._s = 0

    async def wait(self):
        if not self._s:
            await _park(self._w)
        self._s = 0


class Lock:
    def __init__(self):
        self._l = 0
        self._w = []

    def locked(self):
        return self._l == 1

    async def acquire(self):
        while self._l:
            await _park(self._w)
        self._l = 1
        return True

    def release(self):
        if not self._l:
            raise RuntimeError("Lock not acquired")
        self._l = 0
        if self._w:
            _wake(self._w)

    async def __aenter__(self):
        return await self.acquire()

    async def __aexit__(self, *a):
        self.release()


class Loop:
    def create_task(self, coro):
        return create_task(coro)

    def run_forever(self):
        _run(None)

    def run_until_complete(self, aw):
        t = aw if isinstance(aw, Task) else create_task(aw)
        if t._w is None:
            t._w = []
        _run(t)
        return t._result()

    def stop(self):
        global _stop
        _stop = 1

    def close(self):
        pass

    def set_exception_handler(self, h):
        global _handler
        _handler = h

    def get_exception_handler(self):
        return _handler

    def default_exception_handler(self, loop, ctx):
        print(ctx["message"])
        print("future:", ctx["future"], "coro=", ctx["future"]._c)
        sys.print_exception(ctx["exception"])

    def call_exception_handler(self, ctx):
        (_handler or self.default_exception_handler)(self, ctx)


_loop = Loop()


def get_event_loop(*a):
    return _loop


def new_event_loop():
    global _head, _stop
    _head = None
    _stop = 0
    return _loop


def run(main):
    return _loop.run_until_complete(main)


sys.modules["uasyncio"] = sys.modules[__name__]
