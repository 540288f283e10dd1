// libsystemd: sd_notify and the watchdog helpers.
#include <systemd/sd-daemon.h>
