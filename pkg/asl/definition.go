package asl

// QueryLanguage is the language a state's fields are written in.
type QueryLanguage string

// The query languages of Step Functions. JSONPath is the default.
const (
	JSONPath QueryLanguage = "JSONPath"
	JSONata  QueryLanguage = "JSONata"
)

// Definition is a parsed state machine definition. Its typed fields are
// read leniently (a field of the wrong type is left empty): [Definition.Validate]
// says what is wrong. Root keeps the whole document with positions.
type Definition struct {
	Comment string
	Version string
	// QueryLanguage is the top-level QueryLanguage, JSONPath if absent.
	QueryLanguage QueryLanguage
	// TimeoutSeconds is the top-level TimeoutSeconds, 0 if absent.
	TimeoutSeconds int64
	// Branch holds StartAt and the top-level States.
	Branch

	// Root is the whole JSON document.
	Root *Value

	source []byte
	lines  lineIndex
}

// Branch is one States object with its StartAt: the state machine itself,
// a branch of a Parallel state, or a Map state's item processor.
type Branch struct {
	StartAt string
	States  []*State // in source order
	// Pointer is the JSON pointer of the object holding StartAt and States
	// ("" for the state machine itself).
	Pointer string
}

// State is one state of a definition.
type State struct {
	Name string
	Type string // "Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel" or "Map"
	// QueryLanguage is the language the state's fields are evaluated in:
	// its own QueryLanguage, or the state machine's.
	QueryLanguage QueryLanguage
	Comment       string
	Next          string
	End           bool
	// Resource is a Task state's Resource (an ARN), when it is a string.
	Resource string
	// Default is a Choice state's Default.
	Default string
	// Branches are a Parallel state's branches.
	Branches []*Branch
	// Processor is a Map state's ItemProcessor (or deprecated Iterator).
	Processor *Branch

	// Value is the state's JSON object.
	Value *Value
	// Pointer is the state's JSON pointer, such as "/States/Fetch".
	Pointer string
	// Line and Column locate the state's name in the source.
	Line, Column int

	keyOffset int // byte offset of the state's name
}

// Parse decodes a state machine definition (JSON text). It fails only on
// malformed JSON, with a [*SyntaxError]; a document that is JSON but not a
// valid definition parses, and [Definition.Validate] reports why.
func Parse(data []byte) (*Definition, error) {
	root, err := parseJSON(data)
	if err != nil {
		return nil, err
	}
	d := &Definition{Root: root, source: data, lines: newLineIndex(data), QueryLanguage: JSONPath}
	d.Comment = root.Get("Comment").str()
	d.Version = root.Get("Version").str()
	if ql := root.Get("QueryLanguage").str(); ql != "" {
		d.QueryLanguage = QueryLanguage(ql)
	}
	if n, ok := root.Get("TimeoutSeconds").Int(); ok {
		d.TimeoutSeconds = n
	}
	d.Branch = *d.branch(root, "", d.QueryLanguage)
	return d, nil
}

func (v *Value) str() string {
	if v == nil || v.Kind != String {
		return ""
	}
	return v.Str
}

// branch reads StartAt and States of obj.
func (d *Definition) branch(obj *Value, ptr string, ql QueryLanguage) *Branch {
	b := &Branch{StartAt: obj.Get("StartAt").str(), Pointer: ptr}
	states := obj.Get("States")
	if states == nil || states.Kind != Object {
		return b
	}
	for _, m := range states.Members {
		b.States = append(b.States, d.state(m, ptr+"/States/"+pointerEscape(m.Key), ql))
	}
	return b
}

func (d *Definition) state(m Member, ptr string, parentQL QueryLanguage) *State {
	v := m.Value
	s := &State{Name: m.Key, Value: v, Pointer: ptr, QueryLanguage: parentQL}
	s.Line, s.Column = d.lines.at(m.KeyOffset)
	s.keyOffset = m.KeyOffset
	if v.Kind != Object {
		return s
	}
	s.Type = v.Get("Type").str()
	if ql := v.Get("QueryLanguage").str(); ql != "" {
		s.QueryLanguage = QueryLanguage(ql)
	}
	s.Comment = v.Get("Comment").str()
	s.Next = v.Get("Next").str()
	if e := v.Get("End"); e != nil && e.Kind == Bool {
		s.End = e.Bool
	}
	s.Resource = v.Get("Resource").str()
	s.Default = v.Get("Default").str()
	switch s.Type {
	case "Parallel":
		if br := v.Get("Branches"); br != nil && br.Kind == Array {
			for i, item := range br.Items {
				if item.Kind == Object {
					s.Branches = append(s.Branches, d.branch(item, ptr+"/Branches/"+itoa(i), s.QueryLanguage))
				}
			}
		}
	case "Map":
		for _, name := range []string{"ItemProcessor", "Iterator"} {
			if p := v.Get(name); p != nil && p.Kind == Object {
				s.Processor = d.branch(p, ptr+"/"+name, s.QueryLanguage)
				break
			}
		}
	}
	return s
}

// Walk calls fn for every state of the definition, nested states of
// Parallel branches and Map processors included, depth first in source
// order, until fn returns false.
func (d *Definition) Walk(fn func(*State) bool) {
	walkBranch(&d.Branch, fn)
}

func walkBranch(b *Branch, fn func(*State) bool) bool {
	for _, s := range b.States {
		if !fn(s) {
			return false
		}
		for _, br := range s.Branches {
			if !walkBranch(br, fn) {
				return false
			}
		}
		if s.Processor != nil && !walkBranch(s.Processor, fn) {
			return false
		}
	}
	return true
}

// Transitions returns the names of the states s can move to: Next, a
// Choice state's rules' Next and Default, and its Catchers' Next, in that
// order, without duplicates.
func (s *State) Transitions() []string {
	var out []string
	seen := map[string]bool{}
	add := func(v *Value) {
		if v != nil && v.Kind == String && !seen[v.Str] {
			seen[v.Str] = true
			out = append(out, v.Str)
		}
	}
	add(s.Value.Get("Next"))
	if ch := s.Value.Get("Choices"); s.Type == "Choice" && ch != nil && ch.Kind == Array {
		for _, r := range ch.Items {
			add(r.Get("Next"))
		}
	}
	add(s.Value.Get("Default"))
	if c := s.Value.Get("Catch"); c != nil && c.Kind == Array {
		for _, r := range c.Items {
			add(r.Get("Next"))
		}
	}
	return out
}

// Position returns the line and column of a byte offset of the source.
func (d *Definition) Position(offset int) (line, column int) {
	return d.lines.at(offset)
}

func itoa(i int) string {
	if i >= 0 && i < 10 {
		return string(rune('0' + i))
	}
	return formatInt(int64(i))
}
