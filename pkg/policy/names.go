package policy

import (
	"strings"

	"github.com/stagecrew/stagecrew/internal/charset"
)

// The checks of this file stand for regular expressions with counted
// repeats ({0,62}), which cost time to compile at every start of the binary;
// names_test.go proves they agree with the expressions.

var (
	alnum      = charset.New("A-Za-z0-9")
	loginChars = charset.New("A-Za-z0-9-")
	nameChars  = charset.New("A-Za-z0-9_.-")
	lower      = charset.New("a-z")
	eventChars = charset.New("a-z_")
)

// isLogin is a GitHub login, or a GitHub App's bot login (NAME[bot]):
// ^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$.
func isLogin(s string) bool {
	s = strings.TrimSuffix(s, "[bot]")
	return loginChars.Span(s, 1, 39) && alnum.Has(s[0])
}

// isName is an environment or rule name: ^[A-Za-z0-9][-A-Za-z0-9_.]{0,62}$.
func isName(s string) bool { return nameChars.Span(s, 1, 63) && alnum.Has(s[0]) }

// isEvent is a GitHub event name: ^[a-z][a-z_]*$.
func isEvent(s string) bool { return s != "" && lower.Has(s[0]) && eventChars.All(s) }
