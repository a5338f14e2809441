package drift

import (
	"errors"
	"sync/atomic"
)

// Kind says what a Finding is about.
type Kind string

// The kinds of drift.
const (
	// KindPhantom: an annotated ECS service, state machine, alias or tags
	// annotation that matches nothing in AWS, or a deleted/INACTIVE resource.
	KindPhantom Kind = "phantom"
	// KindDefinition: the deployed state machine definition differs from
	// the repository file the entity names.
	KindDefinition Kind = "definition"
	// KindTaskFamily: the service runs a task definition family other than
	// the one the entity's task definition file names.
	KindTaskFamily Kind = "task-family"
	// KindOrphan: a resource with an ownership tag that points at an entity
	// the catalog does not have, or at none that claims it.
	KindOrphan Kind = "orphan"
	// KindOwnership: the resource's owner tag names another owner than the
	// entity's spec.owner, or its entity tag names another entity than the
	// one that annotates it.
	KindOwnership Kind = "ownership"
)

// Finding is one difference between the catalog and AWS.
type Finding struct {
	Kind        Kind   `json:"kind"`
	Entity      string `json:"entity,omitempty"`      // entity ref; "" for an orphan with no entity
	Environment string `json:"environment,omitempty"` // stagecrew environment
	Resource    string `json:"resource,omitempty"`    // ARN in AWS (as annotated, for a phantom)
	Annotation  string `json:"annotation,omitempty"`  // annotation key the finding is about
	File        string `json:"file,omitempty"`        // catalog file of the entity
	Line        int    `json:"line,omitempty"`        // line of the annotation (or entity) in File
	Message     string `json:"message"`
	// Diff is a unified diff of canonical JSON, repository to deployed
	// (KindDefinition).
	Diff string `json:"diff,omitempty"`
	// Tags are the resource's tags (orphans and ownership findings).
	Tags map[string]string `json:"tags,omitempty"`

	fix *fix // what Suggest proposes, if anything
}

// ScopeError is a region of an account that could not be read: credentials
// refused, access denied, or errors past the retry budget. The scan goes on
// with the other scopes; a report with ScopeErrors is incomplete.
type ScopeError struct {
	Role    string `json:"role"`
	Account string `json:"account"`
	Region  string `json:"region"`
	Err     error  `json:"-"`
	Message string `json:"message"`
}

// Error describes the scope and the error.
func (e *ScopeError) Error() string {
	return "drift: account " + e.Account + " region " + e.Region + " (role " + e.Role + "): " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *ScopeError) Unwrap() error { return e.Err }

// ErrIncomplete is matched by Report.Err when some scope could not be read.
var ErrIncomplete = errors.New("drift: some accounts or regions could not be read")

// Stats count the AWS calls a scan made.
type Stats struct {
	Calls     int64 `json:"calls"`     // every attempt, retries included
	Throttled int64 `json:"throttled"` // attempts answered with a throttling error, then retried
	Retried   int64 `json:"retried"`   // attempts retried for any transient error, throttling included
}

type counters struct{ calls, throttled, retried atomic.Int64 }

func (c *counters) stats() Stats {
	return Stats{Calls: c.calls.Load(), Throttled: c.throttled.Load(), Retried: c.retried.Load()}
}

// Report is the result of a Scan.
type Report struct {
	Entities    int           `json:"entities"`  // entities with AWS annotations
	Checked     int           `json:"checked"`   // entity × environment pairs checked
	Scopes      int           `json:"scopes"`    // account × region pairs scanned for orphans
	Resources   int           `json:"resources"` // tagged ECS services and state machines seen
	Findings    []Finding     `json:"findings"`  // sorted by entity, environment, kind, resource
	Skipped     []Skipped     `json:"skipped,omitempty"`
	ScopeErrors []*ScopeError `json:"scopeErrors,omitempty"`
	Stats       Stats         `json:"stats"`
	Counts      map[Kind]int  `json:"counts"`
}

// Skipped is an entity environment that could not be checked for a reason
// in the catalog (no role), which validate reports.
type Skipped struct {
	Entity      string `json:"entity"`
	Environment string `json:"environment,omitempty"`
	Reason      string `json:"reason"`
}

// Drift reports whether the report holds any finding.
func (r *Report) Drift() bool { return len(r.Findings) > 0 }

// Err is nil for a complete report, or wraps ErrIncomplete and the first
// ScopeError.
func (r *Report) Err() error {
	if len(r.ScopeErrors) == 0 {
		return nil
	}
	return errors.Join(ErrIncomplete, r.ScopeErrors[0])
}
