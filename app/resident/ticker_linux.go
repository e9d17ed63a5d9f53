package resident

import (
	"errors"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"portlight/internal/rawsys"
)

// fdTicker is the loop's tick on Linux: a timerfd, waited for through the
// Go runtime's network poller, instead of a time.Ticker.
//
// The Go runtime's monitor thread (sysmon) sleeps until the next Go timer:
// with a time.Ticker it woke at every tick, and napped once more, beside
// the thread that runs the tick: three context switches a second at rest.
// A timerfd is no Go timer: the thread that waits in epoll for it is the
// only one woken, and sysmon sleeps until something else needs it (a
// minute at most). The fd is read with a raw system call (package rawsys)
// for the same reason. Unlike a time.Ticker (since Go 1.23), a tick
// already waiting may still arrive after Reset or Stop; the loop does not
// mind.
type fdTicker struct {
	f      *os.File
	c      chan time.Time
	period atomic.Int64 // nanoseconds, for the fallback
	done   chan struct{}
	stop   sync.Once
}

// newTicker returns a ticker that sends the time every d on C.
func newTicker(d time.Duration) ticker {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return stdTicker{time.NewTicker(d)}
	}
	t := &fdTicker{f: os.NewFile(uintptr(fd), "timerfd"), c: make(chan time.Time, 1), done: make(chan struct{})}
	rc, err := t.f.SyscallConn()
	if err != nil || t.set(d) != nil {
		t.f.Close()
		return stdTicker{time.NewTicker(d)}
	}
	go t.run(rc)
	return t
}

// set arms the timer every d, the first in d.
func (t *fdTicker) set(d time.Duration) error {
	t.period.Store(int64(d))
	ts := unix.NsecToTimespec(d.Nanoseconds())
	var err error
	cerr := withFd(t.f, func(fd int) {
		err = unix.TimerfdSettime(fd, 0, &unix.ItimerSpec{Interval: ts, Value: ts}, nil)
	})
	return errors.Join(err, cerr)
}

// run sends the time on c at each expiry until the file is closed.
func (t *fdTicker) run(rc interface {
	Read(func(fd uintptr) bool) error
}) {
	var buf [8]byte
	for {
		err := rc.Read(func(fd uintptr) bool {
			_, err := rawsys.Read(int(fd), buf[:])
			return err != unix.EAGAIN
		})
		if errors.Is(err, os.ErrClosed) {
			return
		}
		if err != nil {
			// The poller refused the timerfd: a ticker that stopped here
			// would stop the scans without a word.
			slog.Warn("tick timer failed; using the runtime's timer", "err", err)
			t.fallback()
			return
		}
		t.send(time.Now())
	}
}

// send hands the loop a tick, or drops it when the last one is still
// waiting, as time.Ticker does.
func (t *fdTicker) send(now time.Time) {
	select {
	case t.c <- now:
	default:
	}
}

// fallback ticks with a time.Ticker of the current period until Stop.
func (t *fdTicker) fallback() {
	period := time.Duration(t.period.Load())
	tk := time.NewTicker(period)
	defer tk.Stop()
	for {
		select {
		case <-t.done:
			return
		case now := <-tk.C:
			if p := time.Duration(t.period.Load()); p != period {
				period = p
				tk.Reset(p)
			}
			t.send(now)
		}
	}
}

func (t *fdTicker) C() <-chan time.Time { return t.c }

func (t *fdTicker) Reset(d time.Duration) { t.set(d) }

func (t *fdTicker) Stop() {
	t.stop.Do(func() {
		close(t.done)
		t.f.Close()
	})
}

// withFd calls fn with f's descriptor, kept open meanwhile.
func withFd(f *os.File, fn func(fd int)) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Control(func(fd uintptr) { fn(int(fd)) })
}
