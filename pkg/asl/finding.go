package asl

import "fmt"

// Severity says whether a finding makes a definition invalid.
type Severity string

// Severities. An error is something Step Functions rejects or that cannot
// work when run; a warning is legal but most likely a mistake (or
// deprecated).
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Finding is one problem in a definition.
type Finding struct {
	// Rule is a stable identifier of the check, such as "next-unknown" or
	// "retry-all-not-last"; [Rules] lists them all.
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	// Pointer is an RFC 6901 JSON pointer to the value (or member) the
	// finding is about, such as "/States/Fetch/Retry/0/ErrorEquals".
	Pointer string `json:"pointer"`
	// Line and Column (1-based; the column counts characters) locate the
	// pointed-to member's name, or the value for array items and the
	// document root, in the source. Offset is the same place in bytes.
	Line   int `json:"line"`
	Column int `json:"column"`
	Offset int `json:"offset"`
}

// String formats f as "line:column: severity: message [rule] (at pointer)".
func (f Finding) String() string {
	ptr := f.Pointer
	if ptr == "" {
		ptr = "/"
	}
	return fmt.Sprintf("%d:%d: %s: %s [%s] (at %s)", f.Line, f.Column, f.Severity, f.Message, f.Rule, ptr)
}

// HasErrors reports whether any of findings is an error.
func HasErrors(findings []Finding) bool {
	for _, f := range findings {
		if f.Severity == SeverityError {
			return true
		}
	}
	return false
}
