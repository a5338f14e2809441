package scaffolder

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/stagecrew/stagecrew/internal/suggest"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// Lint checks the Templates in a catalog file: first the Template v1beta3
// schema (as catalog.Validate), then the references inside the template that
// only show up when someone runs it. Entities of other kinds are skipped. It
// returns every problem with its file, line and field; a file that does not
// decode is returned as the error.
func Lint(file string, data []byte) ([]catalog.Problem, int, error) {
	docs, err := catalog.Decode(file, data, catalog.DecodeOptions{})
	var problems []catalog.Problem
	templates := 0
	for _, d := range docs {
		if d.Err != nil {
			problems = append(problems, decodeProblem(d.Err))
			continue
		}
		if d.Entity.Kind != catalog.KindTemplate {
			continue
		}
		templates++
		problems = append(problems, LintEntity(d.Entity)...)
	}
	if err != nil {
		problems = append(problems, decodeProblem(err))
	}
	return problems, templates, nil
}

func decodeProblem(err error) catalog.Problem {
	if de, ok := err.(*catalog.DecodeError); ok {
		return catalog.Problem{Position: de.Position, Message: de.Msg}
	}
	return catalog.Problem{Message: err.Error()}
}

// LintEntity lints one Template entity.
func LintEntity(e *catalog.Entity) []catalog.Problem {
	var problems []catalog.Problem
	if err := catalog.Validate(e); err != nil {
		if ve, ok := err.(*catalog.ValidationError); ok {
			problems = append(problems, ve.Problems...)
		}
	}
	l := &linter{e: e, params: map[string]bool{}}
	l.lint()
	problems = append(problems, l.problems...)
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Line < problems[j].Line })
	return problems
}

type linter struct {
	e        *catalog.Entity
	params   map[string]bool // declared parameter names, at any depth of the form
	problems []catalog.Problem
}

func (l *linter) addf(path []string, format string, args ...any) {
	l.addAt(l.e.Position(path...), path, format, args...)
}

// addAt records a problem at pos, once: the same message for the same
// field and line is not repeated.
func (l *linter) addAt(pos catalog.Position, path []string, format string, args ...any) {
	p := catalog.Problem{Position: pos, Field: strings.Join(path, "."), Message: fmt.Sprintf(format, args...)}
	for _, q := range l.problems {
		if q == p {
			return
		}
	}
	l.problems = append(l.problems, p)
}

func (l *linter) lint() {
	spec := l.e.Spec
	switch params := spec["parameters"].(type) {
	case []any:
		for i, p := range params {
			if m, ok := p.(map[string]any); ok {
				l.schema([]string{"spec", "parameters", strconv.Itoa(i)}, m)
			}
		}
	case map[string]any:
		l.schema([]string{"spec", "parameters"}, params)
	}

	stepIDs := map[string]int{} // id -> index
	steps, _ := spec["steps"].([]any)
	for i, s := range steps {
		step, ok := s.(map[string]any)
		if !ok {
			continue
		}
		path := []string{"spec", "steps", strconv.Itoa(i)}
		if id, ok := step["id"].(string); ok && id != "" {
			if prev, dup := stepIDs[id]; dup {
				l.addf(append(path, "id"), "step id %q is used again (first by step %d); later ${{ steps.%s... }} would be ambiguous", id, prev, id)
			} else {
				stepIDs[id] = i
			}
		}
		// A step may refer only to the steps before it.
		earlier := map[string]bool{}
		for id, idx := range stepIDs {
			if idx < i {
				earlier[id] = true
			}
		}
		for _, k := range []string{"input", "if", "name"} {
			if v, ok := step[k]; ok {
				l.walk(append(path, k), v, earlier, stepIDs, k == "if")
			}
		}
	}
	all := map[string]bool{}
	for id := range stepIDs {
		all[id] = true
	}
	if out, ok := spec["output"]; ok {
		l.walk([]string{"spec", "output"}, out, all, stepIDs, false)
	}
}

// schema collects the properties a form page declares and checks that
// required names exist, recursing into nested objects, dependencies and
// conditional subschemas.
func (l *linter) schema(path []string, s map[string]any) {
	if pat, ok := s["pattern"].(string); ok {
		if err := checkJSPattern(pat); err != nil {
			l.addf(append(append([]string(nil), path...), "pattern"), "pattern %q does not compile in the form's validator (Ajv, JavaScript regular expressions): %v", pat, err)
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		if pat, ok := items["pattern"].(string); ok {
			if err := checkJSPattern(pat); err != nil {
				l.addf(append(append([]string(nil), path...), "items", "pattern"), "pattern %q does not compile in the form's validator (Ajv, JavaScript regular expressions): %v", pat, err)
			}
		}
	}
	props, _ := s["properties"].(map[string]any)
	for name, p := range props {
		l.params[name] = true
		if pm, ok := p.(map[string]any); ok {
			l.schema(append(append([]string(nil), path...), "properties", name), pm)
		}
	}
	if req, ok := s["required"].([]any); ok {
		declared := map[string]bool{}
		for name := range props {
			declared[name] = true
		}
		// Properties may also come from dependencies/allOf/oneOf/anyOf/then/else.
		for _, k := range []string{"dependencies", "allOf", "oneOf", "anyOf", "then", "else"} {
			collectProps(s[k], declared)
		}
		for i, r := range req {
			if name, ok := r.(string); ok && !declared[name] {
				l.addf(append(append([]string(nil), path...), "required", strconv.Itoa(i)),
					"required names %q, but the page has no such property%s", name, didYouMean(name, declared))
			}
		}
	}
	for _, k := range []string{"dependencies", "allOf", "oneOf", "anyOf", "then", "else", "items"} {
		l.subschemas(append(append([]string(nil), path...), k), s[k])
	}
}

func (l *linter) subschemas(path []string, v any) {
	switch v := v.(type) {
	case map[string]any:
		if _, isSchema := v["properties"]; isSchema {
			l.schema(path, v)
			return
		}
		for k, sub := range v {
			l.subschemas(append(append([]string(nil), path...), k), sub)
		}
	case []any:
		for i, sub := range v {
			l.subschemas(append(append([]string(nil), path...), strconv.Itoa(i)), sub)
		}
	}
}

func collectProps(v any, into map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		if props, ok := v["properties"].(map[string]any); ok {
			for name := range props {
				into[name] = true
			}
		}
		for _, sub := range v {
			collectProps(sub, into)
		}
	case []any:
		for _, sub := range v {
			collectProps(sub, into)
		}
	}
}

// walk checks every string under v for template expressions.
func (l *linter) walk(path []string, v any, steps map[string]bool, allSteps map[string]int, isIf bool) {
	switch v := v.(type) {
	case string:
		l.text(path, v, steps, allSteps, isIf)
	case map[string]any:
		for k, sub := range v {
			l.walk(append(append([]string(nil), path...), k), sub, steps, allSteps, false)
		}
	case []any:
		for i, sub := range v {
			l.walk(append(append([]string(nil), path...), strconv.Itoa(i)), sub, steps, allSteps, false)
		}
	}
}

var (
	reParamRef = regexp.MustCompile(`\bparameters(?:\.([A-Za-z_$][\w$]*)|\[\s*['"]([^'"]+)['"]\s*\])`)
	reStepRef  = regexp.MustCompile(`\bsteps(?:\.([A-Za-z_$][\w$]*)|\[\s*['"]([^'"]+)['"]\s*\])`)
	reDashRef  = regexp.MustCompile(`\bsteps\.([A-Za-z_$][\w$]*(?:-[\w$]+)+)`)
)

// text checks the ${{ }} expressions in one string.
func (l *linter) text(path []string, s string, steps map[string]bool, allSteps map[string]int, isIf bool) {
	exprs, err := expressionsAt(s)
	if err != nil {
		l.addAt(l.e.PositionAt(err.offset, path...), path, "%v", err.err)
		return
	}
	if isIf && len(exprs) == 0 && strings.TrimSpace(s) != "" {
		// A bare string in if: is always truthy; Backstage evaluates only
		// ${{ }} expressions.
		l.addf(path, "if: %q has no ${{ }} expression, so it is always true", s)
	}
	for _, xa := range exprs {
		x := xa.text
		pos := l.e.PositionAt(xa.offset, path...)
		l := &atLinter{l, pos}
		if err := parseExpr(x); err != nil {
			l.addf(path, "expression ${{ %s }} does not parse: %v", strings.TrimSpace(x), err)
			continue
		}
		for _, m := range reParamRef.FindAllStringSubmatch(x, -1) {
			name := m[1] + m[2]
			if !l.params[name] {
				l.addf(path, "${{ parameters.%s }} is not declared in spec.parameters%s", name, didYouMean(name, l.params))
			}
		}
		dashed := map[string]bool{}
		for _, m := range reDashRef.FindAllStringSubmatch(x, -1) {
			dashed[m[1]] = true
			l.addf(path, "${{ steps.%s }} reads as a subtraction in Nunjucks; write steps['%s']", m[1], m[1])
		}
		for _, m := range reStepRef.FindAllStringSubmatch(x, -1) {
			id := m[1] + m[2]
			if m[1] != "" && hasDashedPrefix(dashed, id) {
				continue
			}
			switch {
			case steps[id]:
			case allSteps != nil && hasKey(allSteps, id):
				l.addf(path, "${{ steps.%s }} refers to a step that runs later; a step sees only the outputs of steps before it", id)
			default:
				l.addf(path, "${{ steps.%s }} names no step%s", id, didYouMeanStep(id, allSteps))
			}
		}
	}
}

func hasDashedPrefix(dashed map[string]bool, id string) bool {
	for d := range dashed {
		if strings.HasPrefix(d, id+"-") {
			return true
		}
	}
	return false
}

func hasKey(m map[string]int, k string) bool {
	_, ok := m[k]
	return ok
}

// atLinter adds problems at one position: the line of an expression.
type atLinter struct {
	*linter
	pos catalog.Position
}

func (a *atLinter) addf(path []string, format string, args ...any) {
	a.linter.addAt(a.pos, path, format, args...)
}

// exprAt is one ${{ }} expression and the byte offset of its ${{.
type exprAt struct {
	text   string
	offset int
}

// exprError is a problem finding the expressions, at a byte offset.
type exprError struct {
	err    error
	offset int
}

// expressions returns the inside of every ${{ ... }} in s.
func expressions(s string) ([]string, error) {
	xs, err := expressionsAt(s)
	if err != nil {
		return nil, err.err
	}
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.text
	}
	return out, nil
}

// expressionsAt returns the inside of every ${{ ... }} in s (without the
// "-" whitespace-control marks) with its offset, or an error for an
// unclosed one. The closing }} is found as nunjitsu finds it: outside
// strings, names, numbers and r/regular expressions/.
func expressionsAt(s string) ([]exprAt, *exprError) {
	var out []exprAt
	base := 0
	for {
		i := strings.Index(s, "${{")
		if i < 0 {
			return out, nil
		}
		rest := s[i+3:]
		j, err := findCodeTerminator(rest, "}}")
		if err != nil {
			return nil, &exprError{err, base + i}
		}
		if j < 0 {
			return nil, &exprError{fmt.Errorf("${{ is never closed with }}"), base + i}
		}
		x := rest[:j]
		x = strings.TrimPrefix(x, "-")
		x = strings.TrimSuffix(x, "-")
		out = append(out, exprAt{x, base + i})
		s = rest[j+2:]
		base += i + 3 + j + 2
	}
}

// findCodeTerminator is nunjitsu's: the first terminator outside a
// string, a name, a number or a regular expression literal; -1 if none.
func findCodeTerminator(s, terminator string) (int, error) {
	for i := 0; i <= len(s)-len(terminator); {
		end, err := skipCodeToken(s, i)
		if err != nil {
			return -1, err
		}
		switch {
		case end > i:
			i = end
		case strings.HasPrefix(s[i:], terminator):
			return i, nil
		default:
			i++
		}
	}
	return -1, nil
}

func skipCodeToken(s string, i int) (int, error) {
	if q := s[i]; q == '"' || q == '\'' {
		for j := i + 1; j < len(s); j++ {
			if s[j] == '\\' {
				j++
			} else if s[j] == q {
				return j + 1, nil
			}
		}
		return len(s), nil
	}
	name, end, ok := scanIdentifier(s, i, true)
	if !ok {
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		return j, nil
	}
	if name == "r" && end < len(s) && s[end] == '/' {
		_, rend, err := scanRegex(s, i)
		if err != nil {
			return 0, err
		}
		return rend, nil
	}
	return end, nil
}

// didYouMean is a " (did you mean ...?)" hint for a name at most two edits
// from a known one, or "".
func didYouMean(name string, known map[string]bool) string {
	best, d := suggest.Closest(name, slices.Sorted(maps.Keys(known)))
	if best == "" || d > 2 {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func didYouMeanStep(name string, known map[string]int) string {
	m := map[string]bool{}
	for k := range known {
		m[k] = true
	}
	return didYouMean(name, m)
}
