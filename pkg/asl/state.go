package asl

import (
	"strings"
	"unicode/utf8"
)

// maxStateName is the longest state name Step Functions accepts, in
// characters.
const maxStateName = 80

// maxSeconds is the largest TimeoutSeconds, HeartbeatSeconds and Wait
// Seconds Step Functions accepts.
const maxSeconds = 99999999

// jsonataCtx says which $states fields an expression may read.
type jsonataCtx uint8

const (
	ctxInput       jsonataCtx = iota // $states.input and $states.context
	ctxResult                        // also $states.result (Output, Assign of Task, Parallel, Map)
	ctxErrorOutput                   // also $states.errorOutput (a Catcher's Output and Assign)
)

// state checks one state of branch b; parentQL is the query language it
// inherits.
func (c *checker) state(s *State, parentQL QueryLanguage, b *Branch) {
	ptr := s.Pointer
	if n := utf8.RuneCountInString(s.Name); n == 0 || n > maxStateName {
		c.addAt(ruleStateName, ptr, s.keyOffset, "state name %q is %d characters; Step Functions accepts 1 to %d", clip(s.Name), n, maxStateName)
	}
	v := s.Value
	if v.Kind != Object {
		c.addAt(ruleType, ptr, s.keyOffset, "state %q is an object, not %s", clip(s.Name), an(v.Kind))
		return
	}
	ql := parentQL
	if m := v.member("QueryLanguage"); m != nil {
		switch {
		case m.Value.Kind != String:
			c.typeErr(m, ptr, String)
		case m.Value.Str != string(JSONPath) && m.Value.Str != string(JSONata):
			c.add(ruleQueryLanguage, ptr, m, "QueryLanguage is \"JSONPath\" or \"JSONata\", not %q", clip(m.Value.Str))
		case m.Value.Str == string(JSONPath) && c.d.QueryLanguage == JSONata:
			c.add(ruleQueryLanguage, ptr, m, "a state cannot use JSONPath when the state machine's QueryLanguage is JSONata")
		default:
			ql = QueryLanguage(m.Value.Str)
		}
	}
	tm := v.member("Type")
	if tm == nil {
		c.addAt(ruleRequired, ptr, s.keyOffset, "state %q has no Type", clip(s.Name))
		return
	}
	if tm.Value.Kind != String {
		c.typeErr(tm, ptr, String)
		return
	}
	allowed, ok := stateFields[tm.Value.Str]
	if !ok {
		c.add(ruleStateType, ptr, tm, "Type %q is not one of Task, Pass, Choice, Wait, Succeed, Fail, Parallel, Map", clip(tm.Value.Str))
		return
	}
	typ := tm.Value.Str
	c.fields(v, ptr, typ+" state", func(k string) fieldClass {
		switch k {
		case "Type", "Comment", "QueryLanguage":
			return fieldAny
		}
		return classify(allowed, k)
	}, ql)
	c.stringField(v, ptr, "Comment", false)
	c.transition(s, typ, b)

	// Fields shared by several types.
	for _, name := range []string{"InputPath", "OutputPath"} {
		if m := v.member(name); m != nil && ql == JSONPath {
			c.pathOrNull(m, ptr, false)
		}
	}
	if m := v.member("ResultPath"); m != nil && ql == JSONPath {
		c.pathOrNull(m, ptr, true)
	}
	for _, name := range []string{"Parameters", "ResultSelector"} {
		if m := v.member(name); m != nil && ql == JSONPath && allowed[name] {
			c.payloadObject(m, ptr)
		}
	}
	if m := v.member("Arguments"); m != nil && ql == JSONata && allowed["Arguments"] {
		if m.Value.Kind != Object && !isExpr(m.Value) {
			c.add(ruleType, ptr, m, "Arguments is an object or a {%% %%} expression, not %s", an(m.Value.Kind))
		}
		c.jsonataTemplate(m.Value, ptr+"/Arguments", ctxInput)
	}
	outCtx := ctxInput
	if typ == "Task" || typ == "Parallel" || typ == "Map" {
		outCtx = ctxResult
	}
	if m := v.member("Output"); m != nil && ql == JSONata {
		c.jsonataTemplate(m.Value, ptr+"/Output", outCtx)
	}
	if m := v.member("Assign"); m != nil && allowed["Assign"] {
		c.assign(m, ptr, ql, outCtx)
	}
	if m := v.member("Retry"); m != nil && allowed["Retry"] {
		c.retry(m, ptr)
	}
	if m := v.member("Catch"); m != nil && allowed["Catch"] {
		c.catch(m, ptr, ql, b)
	}
	if ql == JSONata {
		c.noDollarFields(v, ptr)
	}

	switch typ {
	case "Task":
		c.task(v, ptr, ql)
	case "Choice":
		c.choice(s, ptr, ql, b)
	case "Wait":
		c.wait(v, ptr, ql)
	case "Fail":
		c.fail(v, ptr, ql)
	case "Parallel":
		c.parallel(s, ptr, ql)
	case "Map":
		c.mapState(s, ptr, ql)
	}
}

// transition checks Next and End for the state's type.
func (c *checker) transition(s *State, typ string, b *Branch) {
	v, ptr := s.Value, s.Pointer
	next, end := v.member("Next"), v.member("End")
	switch typ {
	case "Choice", "Succeed", "Fail":
		// Unknown fields are reported by fields(); nothing more to say.
		return
	}
	if end != nil && end.Value.Kind != Bool {
		c.typeErr(end, ptr, Bool)
		end = nil
	}
	isEnd := end != nil && end.Value.Bool
	switch {
	case next != nil && isEnd:
		c.add(ruleNextAndEnd, ptr, next, "a state has Next or \"End\": true, not both")
	case next == nil && !isEnd:
		what := "has no Next"
		if end != nil {
			what = "has \"End\": false and no Next"
		}
		c.addAt(ruleNoTransition, ptr, s.keyOffset, "%s state %q %s: give Next or \"End\": true", typ, clip(s.Name), what)
	}
	if next != nil {
		c.target(next, ptr, "Next", b)
	}
}

// target checks that a transition field names a state of b.
func (c *checker) target(m *Member, parent, field string, b *Branch) {
	if m.Value.Kind != String {
		c.typeErr(m, parent, String)
		return
	}
	if c.stateNames(b)[m.Value.Str] == nil {
		c.unknownTarget(ruleNextUnknown, m, parent, field, m.Value.Str, b)
	}
}

// stringField checks that obj's member name, if present, is a string, and
// reports it missing when required. It returns the member when it is a
// string.
func (c *checker) stringField(obj *Value, ptr, name string, required bool) *Member {
	m := obj.member(name)
	if m == nil {
		if required {
			c.addAt(ruleRequired, ptr, obj.Offset, "%s is required", name)
		}
		return nil
	}
	if m.Value.Kind != String {
		c.typeErr(m, ptr, String)
		return nil
	}
	return m
}

// exclusive reports when obj has more than one of names.
func (c *checker) exclusive(obj *Value, ptr string, names ...string) int {
	var present []*Member
	for _, n := range names {
		if m := obj.member(n); m != nil {
			present = append(present, m)
		}
	}
	if len(present) > 1 {
		c.add(ruleExclusive, ptr, present[1], "%s and %s cannot be given together", present[0].Key, present[1].Key)
	}
	return len(present)
}

// seconds checks a count of seconds: an integer from min to maxSeconds,
// or in JSONata a {% %} expression.
func (c *checker) seconds(m *Member, parent string, ql QueryLanguage, min int64) (int64, bool) {
	return c.intField(m, parent, ql, min, maxSeconds)
}

// intField checks an integer field within [min, max]; JSONata states may
// give a {% %} expression instead.
func (c *checker) intField(m *Member, parent string, ql QueryLanguage, min, max int64) (int64, bool) {
	v := m.Value
	if ql == JSONata && v.Kind == String {
		if isExpr(v) {
			c.jsonataString(v, parent+"/"+pointerEscape(m.Key), ctxInput)
		} else {
			c.add(ruleNotJSONata, parent, m, "%s is an integer or a {%% %%} expression, not the string %q", m.Key, clip(v.Str))
		}
		return 0, false
	}
	n, ok := v.Int()
	if !ok {
		if v.Kind == Number {
			c.add(ruleValue, parent, m, "%s is an integer, not %s", m.Key, v.Str)
		} else {
			c.typeErr(m, parent, Number)
		}
		return 0, false
	}
	if n < min || n > max {
		c.add(ruleValue, parent, m, "%s is %d; it must be from %d to %d", m.Key, n, min, max)
		return n, false
	}
	return n, true
}

// pathOrNull checks InputPath, OutputPath (a Path) or ResultPath (a
// Reference Path); null is allowed.
func (c *checker) pathOrNull(m *Member, parent string, ref bool) {
	if m.Value.Kind == Null {
		return
	}
	if m.Value.Kind != String {
		c.typeErr(m, parent, String, Null)
		return
	}
	c.pathValue(m, parent, ref, !ref)
}

// pathValue checks that a string member is a Path (or a Reference Path
// when ref); vars allows $name variables as the root.
func (c *checker) pathValue(m *Member, parent string, ref, vars bool) {
	var err error
	if ref {
		err = checkReferencePath(m.Value.Str, vars)
	} else {
		err = checkPath(m.Value.Str, vars)
	}
	if err != nil {
		rule := rulePath
		if ref {
			rule = ruleRefPath
		}
		c.add(rule, parent, m, "%s %q: %v", m.Key, clip(m.Value.Str), err)
	}
}

// refPathField checks a *Path field (TimeoutSecondsPath, SecondsPath, ...):
// a string Reference Path, variables allowed.
func (c *checker) refPathField(obj *Value, parent, name string) {
	if m := obj.member(name); m != nil {
		if m.Value.Kind != String {
			c.typeErr(m, parent, String)
			return
		}
		c.pathValue(m, parent, true, true)
	}
}

func (c *checker) task(v *Value, ptr string, ql QueryLanguage) {
	if m := c.stringField(v, ptr, "Resource", true); m != nil {
		if !isARN(m.Value.Str) {
			c.add(ruleResource, ptr, m, "Resource %q is not an ARN (arn:partition:service:region:account:resource)", clip(m.Value.Str))
		}
	}
	c.exclusive(v, ptr, "TimeoutSeconds", "TimeoutSecondsPath")
	c.exclusive(v, ptr, "HeartbeatSeconds", "HeartbeatSecondsPath")
	var timeout, heartbeat int64
	var tOK, hOK bool
	if m := v.member("TimeoutSeconds"); m != nil {
		timeout, tOK = c.seconds(m, ptr, ql, 1)
	}
	if m := v.member("HeartbeatSeconds"); m != nil {
		heartbeat, hOK = c.seconds(m, ptr, ql, 1)
		if tOK && hOK && heartbeat >= timeout {
			c.add(ruleTimeout, ptr, m, "HeartbeatSeconds (%d) must be smaller than TimeoutSeconds (%d)", heartbeat, timeout)
		}
	}
	if ql == JSONPath {
		c.refPathField(v, ptr, "TimeoutSecondsPath")
		c.refPathField(v, ptr, "HeartbeatSecondsPath")
	}
	if m := v.member("Credentials"); m != nil {
		c.credentials(m, ptr, ql)
	}
}

func (c *checker) credentials(m *Member, parent string, ql QueryLanguage) {
	ptr := parent + "/Credentials"
	if m.Value.Kind != Object {
		c.typeErr(m, parent, Object)
		return
	}
	n := 0
	for i := range m.Value.Members {
		k := &m.Value.Members[i]
		switch {
		case k.Key == "RoleArn":
			n++
			if k.Value.Kind != String {
				c.typeErr(k, ptr, String)
			} else if ql == JSONata && isExpr(k.Value) {
				c.jsonataString(k.Value, ptr+"/RoleArn", ctxInput)
			}
		case k.Key == "RoleArn.$" && ql == JSONPath:
			n++
			c.dollarValue(k, ptr)
		default:
			c.add(ruleUnknownField, ptr, k, "Credentials has no field %q (only RoleArn)", clip(k.Key))
		}
	}
	if n == 0 {
		c.add(ruleRequired, parent, m, "Credentials needs RoleArn")
	}
}

// isARN is a loose check of the ARN shape: arn:partition:service:region:account:resource.
func isARN(s string) bool {
	if !strings.HasPrefix(s, "arn:") {
		return false
	}
	parts := strings.SplitN(s, ":", 6)
	return len(parts) == 6 && parts[1] != "" && parts[2] != "" && parts[5] != ""
}

func (c *checker) wait(v *Value, ptr string, ql QueryLanguage) {
	names := []string{"Seconds", "Timestamp", "SecondsPath", "TimestampPath"}
	if ql == JSONata {
		names = names[:2]
	}
	n := 0
	for _, name := range names {
		if v.member(name) != nil {
			n++
		}
	}
	switch {
	case n == 0:
		c.addAt(ruleWait, ptr, v.Offset, "a Wait state needs one of %s", strings.Join(names, ", "))
	case n > 1:
		var given []string
		for _, name := range names {
			if v.member(name) != nil {
				given = append(given, name)
			}
		}
		m := v.member(given[1])
		c.add(ruleWait, ptr, m, "a Wait state has exactly one of %s, not %s", strings.Join(names, ", "), strings.Join(given, " and "))
	}
	if m := v.member("Seconds"); m != nil {
		c.intField(m, ptr, ql, 0, maxSeconds)
	}
	if m := v.member("Timestamp"); m != nil {
		switch {
		case m.Value.Kind != String:
			c.typeErr(m, ptr, String)
		case ql == JSONata && isExpr(m.Value):
			c.jsonataString(m.Value, ptr+"/Timestamp", ctxInput)
		case !isTimestamp(m.Value.Str):
			c.add(ruleValue, ptr, m, "Timestamp %q is not an RFC 3339 timestamp with an uppercase T and Z or an offset (2026-01-02T15:04:05Z)", clip(m.Value.Str))
		}
	}
	if ql == JSONPath {
		c.refPathField(v, ptr, "SecondsPath")
		c.refPathField(v, ptr, "TimestampPath")
	}
}

func (c *checker) fail(v *Value, ptr string, ql QueryLanguage) {
	for _, pair := range [][2]string{{"Error", "ErrorPath"}, {"Cause", "CausePath"}} {
		if v.member(pair[0]) != nil && v.member(pair[1]) != nil {
			c.add(ruleFail, ptr, v.member(pair[1]), "%s and %s cannot be given together", pair[0], pair[1])
		}
		if m := c.stringField(v, ptr, pair[0], false); m != nil && ql == JSONata && isExpr(m.Value) {
			c.jsonataString(m.Value, ptr+"/"+pair[0], ctxInput)
		}
		if m := v.member(pair[1]); m != nil && ql == JSONPath {
			if m.Value.Kind != String {
				c.typeErr(m, ptr, String)
			} else if strings.HasPrefix(m.Value.Str, "States.") {
				c.intrinsicValue(m, ptr)
			} else {
				c.pathValue(m, ptr, true, true)
			}
		}
	}
}

func (c *checker) parallel(s *State, ptr string, ql QueryLanguage) {
	m := s.Value.member("Branches")
	if m == nil {
		c.addAt(ruleRequired, ptr, s.keyOffset, "a Parallel state needs Branches")
		return
	}
	if m.Value.Kind != Array {
		c.typeErr(m, ptr, Array)
		return
	}
	if len(m.Value.Items) == 0 {
		c.add(ruleValue, ptr, m, "Branches has no branch")
		return
	}
	bi := 0
	for i, item := range m.Value.Items {
		bptr := ptr + "/Branches/" + itoa(i)
		if item.Kind != Object {
			c.addAt(ruleType, bptr, item.Offset, "a branch is an object with StartAt and States, not %s", an(item.Kind))
			continue
		}
		c.fields(item, bptr, "a Parallel branch", func(k string) fieldClass {
			switch k {
			case "StartAt", "States", "Comment":
				return fieldAny
			}
			return fieldUnknown
		}, ql)
		c.stringField(item, bptr, "Comment", false)
		c.branch(item, s.Branches[bi], ql)
		bi++
	}
}

// isExpr reports whether v is a JSONata {% %} string.
func isExpr(v *Value) bool {
	return v != nil && v.Kind == String && strings.HasPrefix(v.Str, "{%")
}
