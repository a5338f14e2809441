package asl

import (
	"bytes"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxVariableName is the longest Assign variable name, in characters.
const maxVariableName = 80

func isLetter(r rune) bool { return unicode.IsLetter(r) }

// payloadObject checks a JSONPath payload template that must be an object
// (Parameters, ResultSelector, ItemSelector).
func (c *checker) payloadObject(m *Member, parent string) {
	if m.Value.Kind != Object {
		c.typeErr(m, parent, Object)
		return
	}
	c.payload(m.Value, parent+"/"+pointerEscape(m.Key))
}

// payload checks a JSONPath payload template: every member whose name ends
// in .$ has a path or an intrinsic function as its value.
func (c *checker) payload(v *Value, ptr string) {
	switch v.Kind {
	case Object:
		for i := range v.Members {
			m := &v.Members[i]
			if strings.HasSuffix(m.Key, ".$") {
				c.dollarValue(m, ptr)
				continue
			}
			switch m.Value.Kind {
			case String:
				switch {
				case strings.HasPrefix(m.Value.Str, "$.") || strings.HasPrefix(m.Value.Str, "$$."):
					c.add(ruleLiteralPath, ptr, m, "%q is passed as the literal text %q; name the field %q to use the path's value", m.Key, clip(m.Value.Str), m.Key+".$")
				case isExpr(m.Value) && strings.HasSuffix(m.Value.Str, "%}"):
					c.add(ruleLiteralPath, ptr, m, "%q is passed as the literal text %q: {%% %%} expressions are evaluated only in JSONata states (\"QueryLanguage\": \"JSONata\")", m.Key, clip(m.Value.Str))
				}
			case Object, Array:
				c.payload(m.Value, ptr+"/"+pointerEscape(m.Key))
			}
		}
	case Array:
		for i, it := range v.Items {
			if it.Kind == Object || it.Kind == Array {
				c.payload(it, ptr+"/"+strconv.Itoa(i))
			}
		}
	}
}

// dollarValue checks the value of a field named "x.$": a string holding a
// Path (variables allowed) or an intrinsic function call.
func (c *checker) dollarValue(m *Member, parent string) {
	if m.Value.Kind != String {
		c.add(rulePayload, parent, m, "%s ends in .$, so its value is a path or an intrinsic function in a string, not %s", clip(m.Key), an(m.Value.Kind))
		return
	}
	s := m.Value.Str
	if strings.HasPrefix(s, "States.") {
		c.intrinsicValue(m, parent)
		return
	}
	if err := checkPath(s, true); err != nil {
		c.add(rulePayload, parent, m, "%s: %q is neither a path nor an intrinsic function: %v", clip(m.Key), clip(s), err)
	}
}

// intrinsicValue checks a string member holding an intrinsic function call.
func (c *checker) intrinsicValue(m *Member, parent string) {
	if err := checkIntrinsic(m.Value.Str); err != nil {
		c.add(ruleIntrinsic, parent, m, "%s: %v", clip(m.Key), err)
	}
}

// noDollarFields reports field names ending in .$ anywhere in a JSONata
// state.
func (c *checker) noDollarFields(v *Value, ptr string) {
	switch v.Kind {
	case Object:
		for i := range v.Members {
			m := &v.Members[i]
			if strings.HasSuffix(m.Key, ".$") {
				c.add(ruleDollarSuffix, ptr, m, "%q ends in .$: JSONata states write {%% %%} expressions in the value instead", clip(m.Key))
			}
			if k := m.Value.Kind; k == Object || k == Array {
				c.noDollarFields(m.Value, ptr+"/"+pointerEscape(m.Key))
			}
		}
	case Array:
		for i, it := range v.Items {
			if it.Kind == Object || it.Kind == Array {
				c.noDollarFields(it, ptr+"/"+strconv.Itoa(i))
			}
		}
	}
}

// assign checks an Assign object: variable names, and the values as
// payload templates (JSONPath) or JSONata templates.
func (c *checker) assign(m *Member, parent string, ql QueryLanguage, ctx jsonataCtx) {
	ptr := parent + "/Assign"
	if m.Value.Kind != Object {
		c.typeErr(m, parent, Object)
		return
	}
	for i := range m.Value.Members {
		k := &m.Value.Members[i]
		name := k.Key
		dollar := ql == JSONPath && strings.HasSuffix(name, ".$")
		if dollar {
			name = strings.TrimSuffix(name, ".$")
		}
		if msg := variableNameProblem(name); msg != "" {
			c.add(ruleAssign, ptr, k, "variable %q %s", clip(name), msg)
		}
		switch {
		case dollar:
			c.dollarValue(k, ptr)
		case ql == JSONPath:
			c.payload(k.Value, ptr+"/"+pointerEscape(k.Key))
		default:
			c.jsonataTemplate(k.Value, ptr+"/"+pointerEscape(k.Key), ctx)
		}
	}
}

// variableNameProblem says what is wrong with a variable name, or "".
func variableNameProblem(name string) string {
	switch {
	case name == "":
		return "has an empty name"
	case utf8.RuneCountInString(name) > maxVariableName:
		return "is longer than 80 characters"
	case name == "states":
		return "is reserved: $states holds the state's input, result and context"
	case identLen(name) != len(name):
		return "is not a name: letters, digits and _, not starting with a digit"
	}
	return ""
}

// jsonataTemplate checks every {% %} string of a JSONata template (any
// JSON value).
func (c *checker) jsonataTemplate(v *Value, ptr string, ctx jsonataCtx) {
	switch v.Kind {
	case String:
		if isExpr(v) {
			c.jsonataString(v, ptr, ctx)
		}
	case Object:
		for i := range v.Members {
			if child := v.Members[i].Value; child.Kind != String || isExpr(child) {
				if child.Kind != Number && child.Kind != Bool && child.Kind != Null {
					c.jsonataTemplate(child, ptr+"/"+pointerEscape(v.Members[i].Key), ctx)
				}
			}
		}
	case Array:
		for i, it := range v.Items {
			if it.Kind == Object || it.Kind == Array || isExpr(it) {
				c.jsonataTemplate(it, ptr+"/"+strconv.Itoa(i), ctx)
			}
		}
	}
}

// jsonataString checks one string that starts with {%: it ends with %}
// and holds one JSONata expression.
func (c *checker) jsonataString(v *Value, ptr string, ctx jsonataCtx) {
	s := v.Str
	if !strings.HasSuffix(s, "%}") || len(s) < 4 {
		c.addAt(ruleJSONata, ptr, v.Offset, "a string starting with {%% is a JSONata expression and ends with %%}")
		return
	}
	body := s[2 : len(s)-2]
	info, err := parseJSONata(body)
	if err != nil {
		c.addAt(ruleJSONata, ptr, c.exprOffset(v, err), "JSONata: %v", err)
		return
	}
	for _, f := range info.statesFields {
		switch {
		case f == "result" && ctx != ctxResult:
			c.addAt(ruleJSONataStates, ptr, v.Offset, "$states.result is only available in Output and Assign of Task, Parallel and Map states")
		case f == "errorOutput" && ctx != ctxErrorOutput:
			c.addAt(ruleJSONataStates, ptr, v.Offset, "$states.errorOutput is only available in a Catcher's Output and Assign")
		case f != "input" && f != "context" && f != "result" && f != "errorOutput":
			c.addAt(ruleJSONataStates, ptr, v.Offset, "$states has no field %q (input, context, result, errorOutput)", clip(f))
		}
	}
	for _, fn := range info.unsupported {
		c.addAt(ruleJSONata, ptr, v.Offset, "%s is not available in Step Functions (use $parse)", fn)
	}
}

// exprOffset is where in the source a JSONata syntax error is: inside the
// string when nothing before it in the string is escaped (so source bytes
// and string bytes line up), else the string's start.
func (c *checker) exprOffset(v *Value, err error) int {
	je, ok := err.(*jsonataError)
	if !ok {
		return v.Offset
	}
	off := v.Offset + 1 + 2 + je.off // the quote, then {%
	src := c.d.source
	if off >= len(src) || bytes.IndexByte(src[v.Offset+1:off], '\\') >= 0 {
		return v.Offset
	}
	return off
}
