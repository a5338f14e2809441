package asl

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"unicode/utf8"
)

// MaxDefinitionSize is Step Functions' quota on a definition's size, in
// bytes.
const MaxDefinitionSize = 1 << 20

// Validate parses data and validates it: a [Definition.Validate] of the
// parsed definition, or a single "json-syntax" finding when data is not
// well-formed JSON. It returns nil for a valid definition without
// warnings.
func Validate(data []byte) []Finding {
	d, err := Parse(data)
	if err != nil {
		var se *SyntaxError
		if errors.As(err, &se) {
			return []Finding{{Rule: ruleSyntax, Severity: SeverityError, Message: se.Msg,
				Line: se.Line, Column: se.Column, Offset: se.Offset}}
		}
		return []Finding{{Rule: ruleSyntax, Severity: SeverityError, Message: err.Error(), Line: 1, Column: 1}}
	}
	return d.Validate()
}

// checker collects the findings of one validation.
type checker struct {
	d        *Definition
	findings []Finding
	// owner maps every state name to the branch holding it, for duplicate
	// names and transitions across scopes.
	owner map[string]*Branch
	// The member index of the large object duplicateKeys is in.
	keyIndex     map[string]int
	keyIndexOf   *Member
	keyIndexUpTo int
	// names are the states of each branch by name (the last of a name).
	names map[*Branch]map[string]*State
	// express: the whole state machine is EXPRESS (ValidateExpress), so
	// expressOnly covers every state once.
	express bool
}

// Validate checks the definition and returns its findings sorted by
// position, or nil when there are none. Use [HasErrors] to tell a valid
// definition (warnings only) from an invalid one.
func (d *Definition) Validate() []Finding {
	return d.validate(false)
}

// ValidateExpress is Validate for an EXPRESS state machine: beside the
// rules of Validate, none of its Task states may use a .sync or
// .waitForTaskToken integration or an activity (rule
// "express-integration"), which Express workflows do not run.
func (d *Definition) ValidateExpress() []Finding {
	return d.validate(true)
}

func (d *Definition) validate(express bool) []Finding {
	c := &checker{d: d, owner: map[string]*Branch{}, express: express}
	if len(d.source) > MaxDefinitionSize {
		c.addAt(ruleTooLarge, "", 0, "the definition is %d bytes; Step Functions accepts at most %d", len(d.source), MaxDefinitionSize)
	}
	c.duplicateKeys(d.Root, "")
	root := d.Root
	if root.Kind != Object {
		c.addAt(ruleType, "", root.Offset, "a definition is a JSON object, not %s", an(root.Kind))
		return c.result()
	}
	c.fields(root, "", "the state machine", func(k string) fieldClass {
		switch k {
		case "Comment", "StartAt", "States", "Version", "TimeoutSeconds", "QueryLanguage":
			return fieldAny
		}
		return fieldUnknown
	}, JSONPath)
	c.stringField(root, "", "Comment", false)
	if v := root.member("Version"); v != nil {
		if v.Value.Kind != String {
			c.typeErr(v, "", String)
		} else if v.Value.Str != "1.0" {
			c.add(ruleVersion, "", v, "Version is \"1.0\", not %q", v.Value.Str)
		}
	}
	if m := root.member("QueryLanguage"); m != nil {
		if m.Value.Kind != String {
			c.typeErr(m, "", String)
		} else if q := QueryLanguage(m.Value.Str); q != JSONPath && q != JSONata {
			c.add(ruleQueryLanguage, "", m, "QueryLanguage is \"JSONPath\" or \"JSONata\", not %q", m.Value.Str)
		}
	}
	if m := root.member("TimeoutSeconds"); m != nil {
		c.seconds(m, "", d.QueryLanguage, 1)
	}
	c.collectNames(&d.Branch)
	c.branch(root, &d.Branch, d.QueryLanguage)
	if express {
		c.expressOnly(&d.Branch)
	}
	return c.result()
}

func (c *checker) result() []Finding {
	if len(c.findings) == 0 {
		return nil
	}
	sort.SliceStable(c.findings, func(i, j int) bool { return c.findings[i].Offset < c.findings[j].Offset })
	return c.findings
}

// addAt records a finding at a byte offset.
func (c *checker) addAt(rule, ptr string, off int, format string, args ...any) {
	r := rules[rule]
	line, col := c.d.lines.at(off)
	c.findings = append(c.findings, Finding{Rule: rule, Severity: r.Severity, Message: fmt.Sprintf(format, args...),
		Pointer: ptr, Line: line, Column: col, Offset: off})
}

// add records a finding about member m of the object at parent.
func (c *checker) add(rule, parent string, m *Member, format string, args ...any) {
	c.addAt(rule, parent+"/"+pointerEscape(m.Key), m.KeyOffset, format, args...)
}

// addWarn records a finding of rule with a warning's severity whatever the
// rule's, for a softer variant of a check.
func (c *checker) addWarn(rule, ptr string, off int, format string, args ...any) {
	c.addAt(rule, ptr, off, format, args...)
	c.findings[len(c.findings)-1].Severity = SeverityWarning
}

func (c *checker) typeErr(m *Member, parent string, want ...Kind) {
	names := ""
	for i, k := range want {
		if i > 0 {
			if i == len(want)-1 {
				names += " or "
			} else {
				names += ", "
			}
		}
		names += an(k)
	}
	c.add(ruleType, parent, m, "%s is %s, not %s", m.Key, names, an(m.Value.Kind))
}

func an(k Kind) string {
	switch k {
	case Array, Object:
		return "an " + k.String()
	case Null:
		return "null"
	}
	return "a " + k.String()
}

// duplicateKeys reports members named twice in one object, anywhere.
func (c *checker) duplicateKeys(v *Value, ptr string) {
	switch v.Kind {
	case Object:
		ms := v.Members
		for i := 1; i < len(ms); i++ {
			first := -1
			if len(ms) <= 16 {
				for j := 0; j < i; j++ {
					if ms[j].Key == ms[i].Key {
						first = j
						break
					}
				}
			} else {
				first = c.firstKey(ms, i)
			}
			if first >= 0 {
				line, col := c.d.lines.at(ms[first].KeyOffset)
				c.add(ruleDuplicateKey, ptr, &ms[i], "%q is given twice in this object (first at line %d, column %d); only the last would count", ms[i].Key, line, col)
			}
		}
		for i := range ms {
			if k := ms[i].Value.Kind; k == Object || k == Array {
				c.duplicateKeys(ms[i].Value, ptr+"/"+pointerEscape(ms[i].Key))
			}
		}
	case Array:
		for i, it := range v.Items {
			if it.Kind == Object || it.Kind == Array {
				c.duplicateKeys(it, ptr+"/"+strconv.Itoa(i))
			}
		}
	}
}

// firstKey returns the index of the first member before i named as
// member i, or -1, for objects too large for a linear search each.
func (c *checker) firstKey(ms []Member, i int) int {
	if c.keyIndex == nil || c.keyIndexOf != &ms[0] {
		c.keyIndex = make(map[string]int, len(ms))
		c.keyIndexOf = &ms[0]
		c.keyIndexUpTo = 0
	}
	for ; c.keyIndexUpTo < i; c.keyIndexUpTo++ {
		if _, ok := c.keyIndex[ms[c.keyIndexUpTo].Key]; !ok {
			c.keyIndex[ms[c.keyIndexUpTo].Key] = c.keyIndexUpTo
		}
	}
	if j, ok := c.keyIndex[ms[i].Key]; ok {
		return j
	}
	return -1
}

// collectNames records which branch holds every state, reporting names
// used twice across the state machine.
func (c *checker) collectNames(b *Branch) {
	for _, s := range b.States {
		if prev, dup := c.owner[s.Name]; dup && prev != b {
			c.addAt(ruleStateDuplicate, s.Pointer, c.keyOffset(s), "state name %q is already used at %s; names are unique across the whole state machine", clip(s.Name), ptrOrRoot(prev.Pointer+"/States"))
		} else if !dup {
			c.owner[s.Name] = b
		}
		for _, br := range s.Branches {
			c.collectNames(br)
		}
		if s.Processor != nil {
			c.collectNames(s.Processor)
		}
	}
}

func ptrOrRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// keyOffset is the byte offset of a state's name.
func (c *checker) keyOffset(s *State) int { return s.keyOffset }

// branch checks one States object with its StartAt: the fields of obj,
// every state, transitions and reachability.
func (c *checker) branch(obj *Value, b *Branch, ql QueryLanguage) {
	ptr := b.Pointer
	start := obj.member("StartAt")
	states := obj.member("States")
	if start == nil {
		c.addAt(ruleRequired, ptr, obj.Offset, "StartAt is required")
	} else if start.Value.Kind != String {
		c.typeErr(start, ptr, String)
	}
	if states == nil {
		c.addAt(ruleRequired, ptr, obj.Offset, "States is required")
		return
	}
	if states.Value.Kind != Object {
		c.typeErr(states, ptr, Object)
		return
	}
	if len(states.Value.Members) == 0 {
		c.add(ruleStatesEmpty, ptr, states, "States has no state")
		return
	}
	names := c.stateNames(b)
	if start != nil && start.Value.Kind == String && names[start.Value.Str] == nil {
		c.unknownTarget(ruleStartAt, start, ptr, "StartAt", start.Value.Str, b)
	}
	for _, s := range b.States {
		c.state(s, ql, b)
	}
	c.reachability(b, names)
}

// stateNames returns the states of b by name.
func (c *checker) stateNames(b *Branch) map[string]*State {
	if m, ok := c.names[b]; ok {
		return m
	}
	if c.names == nil {
		c.names = map[*Branch]map[string]*State{}
	}
	m := make(map[string]*State, len(b.States))
	for _, s := range b.States {
		m[s.Name] = s
	}
	c.names[b] = m
	return m
}

// unknownTarget reports a transition to a state not in b: out of scope
// when the name is a state elsewhere.
func (c *checker) unknownTarget(rule string, m *Member, parent, field, target string, b *Branch) {
	if other, ok := c.owner[target]; ok && other != b {
		c.add(ruleScope, parent, m, "%s %q is a state of %s: transitions cannot leave or enter a Parallel branch or a Map item processor", field, clip(target), scopeName(other))
		return
	}
	c.add(rule, parent, m, "%s %q is not a state of this States object", field, clip(target))
}

func scopeName(b *Branch) string {
	if b.Pointer == "" {
		return "the top-level States"
	}
	return b.Pointer
}

// reachability reports states no path from StartAt reaches, and a branch
// from which no path ends.
func (c *checker) reachability(b *Branch, names map[string]*State) {
	first := names[b.StartAt]
	if first == nil {
		return
	}
	seen := map[*State]bool{first: true}
	queue := []*State{first}
	terminal := false
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if s.Value.Kind != Object {
			terminal = true // reported already; do not pile on
			continue
		}
		switch s.Type {
		case "Succeed", "Fail":
			terminal = true
		case "Choice":
		default:
			if s.End || s.Value.Get("Next") == nil {
				terminal = true
			}
		}
		for _, t := range s.Transitions() {
			n := names[t]
			if n == nil {
				terminal = true // reported as an unknown target; do not pile on
			} else if !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	for _, s := range b.States {
		if !seen[s] {
			c.addAt(ruleUnreachable, s.Pointer, c.keyOffset(s), "state %q is not reachable from StartAt %q", clip(s.Name), clip(b.StartAt))
		}
	}
	if !terminal {
		c.addAt(ruleNoTerminal, b.Pointer+"/StartAt", c.memberOffset(b), "no path from StartAt %q reaches a Succeed, Fail or End state", clip(b.StartAt))
	}
}

func (c *checker) memberOffset(b *Branch) int {
	obj := c.lookup(b.Pointer)
	if m := obj.member("StartAt"); m != nil {
		return m.KeyOffset
	}
	return obj.Offset
}

// lookup resolves a JSON pointer the checker made (escaped tokens).
func (c *checker) lookup(ptr string) *Value {
	v := c.d.Root
	for ptr != "" && v != nil {
		ptr = ptr[1:]
		tok := ptr
		rest := ""
		for i := 0; i < len(ptr); i++ {
			if ptr[i] == '/' {
				tok, rest = ptr[:i], ptr[i:]
				break
			}
		}
		ptr = rest
		tok = pointerUnescape(tok)
		switch v.Kind {
		case Object:
			v = v.Get(tok)
		case Array:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v.Items) {
				return nil
			}
			v = v.Items[i]
		default:
			return nil
		}
	}
	return v
}

func pointerUnescape(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '~' && i+1 < len(s) {
			switch s[i+1] {
			case '0':
				out = append(out, '~')
				i++
				continue
			case '1':
				out = append(out, '/')
				i++
				continue
			}
		}
		out = append(out, s[i])
	}
	return string(out)
}

// clip shortens outside text quoted in a message.
func clip(s string) string {
	const max = 100
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }
