package policy

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Decisions as an audit record writes them.
const (
	DecisionAllow = "allow"
	DecisionDeny  = "deny"
)

// Record is one audit record: who asked to do what, where, with which
// credentials, and what was decided and why. It is written as one JSON line.
type Record struct {
	Time  string `json:"time"` // RFC 3339, UTC
	Actor string `json:"actor"`
	// Requester is who asked for the run: the user the decision was taken
	// on (the scaffolder task's creator for a run dispatched by Backstage,
	// else the actor's User).
	Requester string `json:"requester,omitempty"`
	// Dispatcher is the GitHub login that dispatched a run for Backstage.
	Dispatcher string `json:"dispatcher,omitempty"`
	// Task and Template are the scaffolder task the run came from and its
	// template.
	Task              string   `json:"backstageTask,omitempty"`
	Template          string   `json:"template,omitempty"`
	User              string   `json:"user,omitempty"`
	Groups            []string `json:"groups,omitempty"`
	Entity            string   `json:"entity"`
	Environment       string   `json:"environment"`
	Action            string   `json:"action"`
	RoleARN           string   `json:"roleArn,omitempty"`
	SessionName       string   `json:"sessionName,omitempty"`
	Decision          string   `json:"decision"` // DecisionAllow or DecisionDeny
	Reason            string   `json:"reason"`
	Rule              string   `json:"rule,omitempty"`
	Remedy            string   `json:"remedy,omitempty"`
	Repository        string   `json:"repository,omitempty"`
	SHA               string   `json:"sha,omitempty"`
	Ref               string   `json:"ref,omitempty"`
	Event             string   `json:"event,omitempty"`
	GitHubEnvironment string   `json:"githubEnvironment,omitempty"`
	Subject           string   `json:"subject,omitempty"`
	RunURL            string   `json:"runUrl,omitempty"`
}

// RunDetails are what a record holds beyond the decision's input: the
// credentials that would be (or were) used and where the run is.
type RunDetails struct {
	RoleARN     string
	SessionName string
	SHA         string
	RunURL      string // https://github.com/OWNER/REPO/actions/runs/ID[/attempts/N]
}

// NewRecord builds the audit record of a decision. Time is left for the
// AuditWriter's clock.
func NewRecord(in Input, d Decision, run RunDetails) Record {
	r := Record{
		Actor:             in.Actor,
		User:              d.User,
		Groups:            d.Groups,
		Environment:       in.Environment,
		Action:            in.Action,
		RoleARN:           run.RoleARN,
		SessionName:       run.SessionName,
		Decision:          DecisionDeny,
		Reason:            d.Reason,
		Rule:              d.Rule,
		Remedy:            d.Remedy,
		Repository:        in.Repository,
		SHA:               run.SHA,
		Ref:               in.Ref,
		Event:             in.Event,
		GitHubEnvironment: in.GitHubEnvironment,
		Subject:           in.Subject,
		RunURL:            run.RunURL,
	}
	if in.Entity != nil {
		r.Entity = in.Entity.Ref().String()
	}
	r.Requester = d.User
	if in.Requester.Name != "" {
		r.Requester, r.Dispatcher = in.Requester.String(), in.Actor
	}
	if in.Task != nil {
		r.Task, r.Template = in.Task.ID, in.Task.Template
	}
	if d.Allowed {
		r.Decision = DecisionAllow
	}
	return r
}

// AuditWriter appends records as JSON lines. It is safe for concurrent use;
// each record is one Write call, so lines from processes appending to the
// same file (opened with O_APPEND) do not interleave.
type AuditWriter struct {
	mu    sync.Mutex
	w     io.Writer
	c     io.Closer
	clock func() time.Time
}

// AuditOption configures an AuditWriter.
type AuditOption func(*AuditWriter)

// WithClock sets the clock that stamps records (time.Now by default).
func WithClock(now func() time.Time) AuditOption {
	return func(a *AuditWriter) { a.clock = now }
}

// NewAuditWriter writes records to w.
func NewAuditWriter(w io.Writer, opts ...AuditOption) *AuditWriter {
	a := &AuditWriter{w: w, clock: time.Now}
	for _, o := range opts {
		o(a)
	}
	return a
}

// OpenAuditFile opens (creating it with mode 0600) the file at path for
// appending records. Close it when done.
func OpenAuditFile(path string, opts ...AuditOption) (*AuditWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	a := NewAuditWriter(f, opts...)
	a.c = f
	return a, nil
}

// Write appends r, stamping its Time from the clock when it is empty.
func (a *AuditWriter) Write(r Record) error {
	if r.Time == "" {
		r.Time = a.clock().UTC().Format(time.RFC3339)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("audit record: %w", err)
	}
	b = append(b, '\n')
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := a.w.Write(b); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

// Close closes the file OpenAuditFile opened; for NewAuditWriter it does
// nothing.
func (a *AuditWriter) Close() error {
	if a.c == nil {
		return nil
	}
	return a.c.Close()
}
