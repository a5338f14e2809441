package annotations

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// MaxAliasLen is the longest state machine alias name Step Functions takes.
const MaxAliasLen = 80

// CheckAliasName checks a state machine alias name
// (stagecrew.dev/state-machine-alias.<env>): 1-80 letters, digits and
// [_.-], not only digits (that would be a version number).
func CheckAliasName(s string) error {
	if len(s) > MaxAliasLen || !isAliasName(s) {
		return fmt.Errorf("%q is not a state machine alias name: 1-%d letters, digits and [_.-], not only digits", s, MaxAliasLen)
	}
	return nil
}

// ParseSubstitutions parses definition substitutions
// (stagecrew.dev/definition-substitutions[.<env>]): NAME=value pairs
// separated by commas or line breaks ("TableName=orders-staging,
// Timeout=30"). Names are letters, digits and underscores, not starting
// with a digit, each given once; space around names and values is trimmed;
// a value may be empty but holds no comma.
func ParseSubstitutions(s string) (map[string]string, error) {
	return parseSubstitutions(strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }), s)
}

// ParseSubstitutionLines parses NAME=value pairs one a line, as the
// action's substitutions input holds them: values may hold commas. Blank
// lines are skipped.
func ParseSubstitutionLines(s string) (map[string]string, error) {
	return parseSubstitutions(strings.Split(s, "\n"), s)
}

func parseSubstitutions(items []string, all string) (map[string]string, error) {
	out := map[string]string{}
	for _, item := range items {
		if strings.TrimSpace(item) == "" {
			continue
		}
		name, value, ok := strings.Cut(item, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !ok:
			return nil, fmt.Errorf("%q is not NAME=value", clip(strings.TrimSpace(item), 40))
		case len(name) > 128 || !isSubstitutionName(name):
			return nil, fmt.Errorf("%q is not a substitution name: letters, digits and underscores, not starting with a digit, at most 128", clip(name, 40))
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("substitution %q is given twice", name)
		}
		out[name] = value
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no substitutions in %q (expected NAME=value pairs)", clip(all, 40))
	}
	return out, nil
}

// FormatSubstitutions writes substitutions as ParseSubstitutions reads
// them, sorted by name: "A=1, B=two"; "" for none.
func FormatSubstitutions(subs map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(subs)) {
		parts = append(parts, k+"="+subs[k])
	}
	return strings.Join(parts, ", ")
}
