package collectors

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Job is one scheduled source.
type Job struct {
	Name     string
	Schedule string
	Timeout  time.Duration
	Run      func(ctx context.Context)
}

// Scheduler runs jobs on their cron schedules with robfig/cron/v3: a panic in
// one run is recovered and logged, a run still going when its next tick
// comes is skipped, and each run starts after a small random delay so that
// sources on the same schedule do not fire in lockstep.
type Scheduler struct {
	cron      *cron.Cron
	logger    *slog.Logger
	maxJitter time.Duration

	mu       sync.Mutex
	ctx      context.Context // parent of every run; cancelled by Stop after its deadline
	cancel   context.CancelFunc
	stopping chan struct{} // closed by Stop: no run starts after it
	stopOnce sync.Once
	wg       sync.WaitGroup
	jobs     []*job
}

// job pairs a Job with a lock, so that the start-up run and a cron tick of
// the same source never overlap.
type job struct {
	Job
	busy      sync.Mutex
	maxJitter time.Duration
}

// NewScheduler builds a scheduler; maxJitter bounds the random start delay.
func NewScheduler(logger *slog.Logger, maxJitter time.Duration) *Scheduler {
	ctx, cancel := context.WithCancel(context.Background())
	cl := cronLogger{logger}
	return &Scheduler{
		cron:      cron.New(cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)), cron.WithLogger(cl)),
		logger:    logger,
		maxJitter: maxJitter,
		ctx:       ctx,
		cancel:    cancel,
		stopping:  make(chan struct{}),
	}
}

// Add schedules a job. The spec has been validated by config.
func (s *Scheduler) Add(j Job) error {
	jb := &job{Job: j, maxJitter: jitterFor(j.Schedule, s.maxJitter, time.Now())}
	if _, err := s.cron.AddFunc(j.Schedule, func() { s.run(jb) }); err != nil {
		return err
	}
	s.jobs = append(s.jobs, jb)
	return nil
}

// RunNow runs every job once right away, in parallel, as a start-up poll
// (cron's first tick may be minutes away). Call it after Start.
func (s *Scheduler) RunNow() {
	for _, j := range s.jobs {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.exec(j, 0)
		}()
	}
}

func (s *Scheduler) run(j *job) {
	s.wg.Add(1)
	defer s.wg.Done()
	var jitter time.Duration
	if j.maxJitter > 0 {
		jitter = rand.N(j.maxJitter)
	}
	s.exec(j, jitter)
}

func (s *Scheduler) exec(j *job, jitter time.Duration) {
	if !j.busy.TryLock() {
		s.logger.Debug("collector run skipped: previous run still going", "source", j.Name)
		return
	}
	defer j.busy.Unlock()
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("collector run panicked", "source", j.Name, "panic", r)
		}
	}()
	if jitter > 0 {
		t := time.NewTimer(jitter)
		select {
		case <-s.stopping:
			t.Stop()
			return
		case <-t.C:
		}
	}
	select {
	case <-s.stopping: // a tick that was waiting out its delay when Stop came
		return
	default:
	}
	ctx, cancel := context.WithTimeout(s.ctx, j.Timeout)
	defer cancel()
	j.Run(ctx)
}

// jitterFor bounds a job's start delay by a quarter of its schedule's
// interval: a delay longer than the interval would make "@every 2s" poll
// every few seconds at random, and skip ticks, instead of every 2s.
func jitterFor(spec string, max time.Duration, now time.Time) time.Duration {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return max
	}
	next := sched.Next(now)
	if gap := sched.Next(next).Sub(next) / 4; gap < max {
		return gap
	}
	return max
}

// Start begins scheduling.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops scheduling new runs, also those of ticks still waiting out
// their start delay, and waits for running ones; runs still going at the
// deadline have their contexts cancelled, and Stop waits for them to
// return.
func (s *Scheduler) Stop(deadline time.Duration) {
	s.stopOnce.Do(func() { close(s.stopping) })
	stopped := s.cron.Stop()
	done := make(chan struct{})
	go func() {
		<-stopped.Done()
		s.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(deadline)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		s.logger.Warn("cancelling collector runs still going at the shutdown deadline", "deadline", deadline)
		s.cancel()
		<-done
	}
	s.cancel()
}

type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}
