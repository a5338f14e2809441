package ecs

import "github.com/stagecrew/stagecrew/internal/charset"

// The checks of this file stand for regular expressions with counted
// repeats ({1,255}), which cost milliseconds to compile at every start of
// the binary; names_test.go proves they agree with the expressions.

var (
	nameChars      = charset.New("A-Za-z0-9_-")
	startedByChars = charset.New("A-Za-z0-9_/-")
	varChars       = charset.New("A-Za-z0-9_")
	digits         = charset.New("0-9")
)

// isName is a task definition family or container name: ^[A-Za-z0-9_-]{1,255}$.
func isName(s string) bool { return nameChars.Span(s, 1, 255) }

// isVarName is what a shell can export: ^[A-Za-z_][A-Za-z0-9_]{0,254}$. ECS
// itself accepts more, but a name a container's shell cannot read is a typo
// far more often.
func isVarName(s string) bool { return varChars.Span(s, 1, 255) && !digits.Has(s[0]) }

// isStartedBy: ^[A-Za-z0-9_/-]{1,128}$.
func isStartedBy(s string) bool { return startedByChars.Span(s, 1, 128) }
