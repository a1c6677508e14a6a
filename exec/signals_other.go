//go:build !linux || mips || mipsle || mips64 || mips64le

package exec

import (
	"os/signal"
	"syscall"
)

// cleanSignals can only undo what os/signal did here: signals ignored or
// blocked when secretenv started stay so in the command.
func cleanSignals() (restore func()) {
	signal.Reset()
	return func() {}
}

// canBlockSignals says whether blockSignal works here.
const canBlockSignals = false

// blockSignal cannot block a signal here; see the Linux version.
func blockSignal(syscall.Signal) (restore func()) { return func() {} }
