package ecs

import (
	"fmt"
	"io"

	"github.com/stagecrew/stagecrew/pkg/logsafe"
)

// printer writes progress lines; a nil writer discards them.
type printer struct{ w io.Writer }

// linef writes one line; the format is trusted, args that are strings are
// neutralised.
func (p printer) linef(format string, args ...any) {
	if p.w == nil {
		return
	}
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = logsafe.String(s)
		}
	}
	fmt.Fprintln(p.w, logsafe.Line(fmt.Sprintf(format, args...)))
}
