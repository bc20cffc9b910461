# mpheap board shim: `rp2` basics. PIO programs are accepted and never run: a state machine
# takes what it is given and reads back zeros.


def asm_pio(**kw):
    # The program's body (set(), nop() [31], ...) is not run: only the hardware could.
    return lambda f: f


def asm_pio_encode(instr, sideset_count, sideset_opt=False):
    return 0


def bootsel_button():
    return 0


class StateMachine:
    def __init__(self, id, prog=None, freq=-1, **kw):
        self._id = id
        self._a = 0

    def init(self, prog=None, freq=-1, **kw):
        pass

    def active(self, v=None):
        if v is None:
            return self._a
        self._a = 1 if v else 0

    def restart(self):
        pass

    def exec(self, instr):
        pass

    def put(self, value, shift=0):
        pass

    def get(self, buf=None, shift=0):
        return 0

    def rx_fifo(self):
        return 0

    def tx_fifo(self):
        return 0

    def irq(self, handler=None, trigger=0, hard=False):
        pass


class PIO:
    IN_LOW, IN_HIGH, OUT_LOW, OUT_HIGH = 0, 1, 2, 3
    SHIFT_LEFT, SHIFT_RIGHT = 0, 1
    JOIN_NONE, JOIN_TX, JOIN_RX = 0, 1, 2
    IRQ_SM0, IRQ_SM1, IRQ_SM2, IRQ_SM3 = 256, 512, 1024, 2048

    def __init__(self, id):
        self._id = id

    def add_program(self, prog):
        pass

    def remove_program(self, prog=None):
        pass

    def state_machine(self, id, prog=None, freq=-1, **kw):
        return StateMachine(self._id * 4 + id, prog, freq)

    def irq(self, handler=None, trigger=0, hard=False):
        pass
