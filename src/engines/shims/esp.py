# mpheap board shim: `esp`, the few calls boards' code makes.
LOG_NONE, LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG, LOG_VERBOSE = 0, 1, 2, 3, 4, 5


def osdebug(level, *a):
    pass


def flash_size():
    return 4194304


def flash_user_start():
    return 0x200000


def flash_id():
    return 0x1640EF


def sleep_type(t=None):
    return 0
