# mpheap_agent's start(), first part: the reset cause and the boot count.
def cause():
    try:
        import machine
        c = machine.reset_cause()
        for n in ('PWRON', 'HARD', 'WDT', 'DEEPSLEEP', 'SOFT', 'BROWNOUT'):
            if getattr(machine, n + '_RESET', None) == c:
                return n.lower()
    except Exception:
        pass
    return '-'



def boots():
    # A count kept in a file: 1 at the first start, one more at each start after it.
    n = 0
    try:
        with open('mpheap_boot') as f:
            n = int(f.read())
    except Exception:
        pass
    try:
        with open('mpheap_boot', 'w') as f:
            f.write(str(n + 1))
    except Exception:
        pass
    return n + 1


