package asl

import (
	"strconv"
	"strings"
)

// comparisons maps each Choice comparison operator to the kind of value
// it takes: "string", "number", "boolean", "timestamp", "pattern" or
// "path" (a reference path to the value to compare with).
var comparisons = func() map[string]string {
	m := map[string]string{
		"StringMatches": "pattern",
		"IsNull":        "boolean", "IsPresent": "boolean", "IsNumeric": "boolean",
		"IsString": "boolean", "IsBoolean": "boolean", "IsTimestamp": "boolean",
		"BooleanEquals": "boolean", "BooleanEqualsPath": "path",
	}
	for _, kind := range []string{"String", "Numeric", "Timestamp"} {
		for _, op := range []string{"Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"} {
			valueKind := map[string]string{"String": "string", "Numeric": "number", "Timestamp": "timestamp"}[kind]
			m[kind+op] = valueKind
			m[kind+op+"Path"] = "path"
		}
	}
	return m
}()

// choice checks a Choice state: Choices, Default and the rules.
func (c *checker) choice(s *State, ptr string, ql QueryLanguage, b *Branch) {
	v := s.Value
	if m := v.member("Default"); m != nil {
		c.target(m, ptr, "Default", b)
	} else {
		c.addAt(ruleChoiceNoDef, ptr, s.keyOffset, "Choice state %q has no Default: when no rule matches, the execution fails with States.NoChoiceMatched", clip(s.Name))
	}
	m := v.member("Choices")
	if m == nil {
		c.addAt(ruleRequired, ptr, s.keyOffset, "a Choice state needs Choices")
		return
	}
	if m.Value.Kind != Array {
		c.typeErr(m, ptr, Array)
		return
	}
	if len(m.Value.Items) == 0 {
		c.add(ruleValue, ptr, m, "Choices has no rule")
		return
	}
	for i, r := range m.Value.Items {
		rptr := ptr + "/Choices/" + strconv.Itoa(i)
		if r.Kind != Object {
			c.addAt(ruleChoiceRule, rptr, r.Offset, "a Choice rule is an object, not %s", an(r.Kind))
			continue
		}
		if n := r.member("Next"); n == nil {
			c.addAt(ruleChoiceRule, rptr, r.Offset, "a top-level Choice rule needs Next")
		} else {
			c.target(n, rptr, "Next", b)
		}
		if a := r.member("Assign"); a != nil {
			c.assign(a, rptr, ql, ctxInput)
		}
		if ql == JSONata {
			c.jsonataRule(r, rptr)
		} else {
			c.rule(r, rptr, true, 0)
		}
	}
}

// jsonataRule checks a JSONata Choice rule: Condition, Next, Assign,
// Output, Comment.
func (c *checker) jsonataRule(r *Value, ptr string) {
	c.fields(r, ptr, "a Choice rule", func(k string) fieldClass {
		switch k {
		case "Condition", "Output":
			return fieldJSONata
		case "Next", "Assign", "Comment":
			return fieldAny
		}
		if _, ok := comparisons[k]; ok || k == "Variable" || k == "And" || k == "Or" || k == "Not" {
			return fieldJSONPath
		}
		return fieldUnknown
	}, JSONata)
	c.stringField(r, ptr, "Comment", false)
	m := r.member("Condition")
	switch {
	case m == nil:
		c.addAt(ruleChoiceRule, ptr, r.Offset, "a JSONata Choice rule needs Condition")
	case m.Value.Kind == Bool:
	case isExpr(m.Value):
		c.jsonataString(m.Value, ptr+"/Condition", ctxInput)
	default:
		c.add(ruleNotJSONata, ptr, m, "Condition is a {%% %%} expression or a boolean, not %s", an(m.Value.Kind))
	}
	if o := r.member("Output"); o != nil {
		c.jsonataTemplate(o.Value, ptr+"/Output", ctxInput)
	}
}

// maxRuleDepth bounds the nesting of And, Or and Not.
const maxRuleDepth = 100

// rule checks a JSONPath Choice rule: one comparison with Variable, or one
// of And, Or, Not.
func (c *checker) rule(r *Value, ptr string, top bool, depth int) {
	if depth > maxRuleDepth {
		c.addAt(ruleChoiceRule, ptr, r.Offset, "Choice rules nested more than %d deep", maxRuleDepth)
		return
	}
	c.fields(r, ptr, "a Choice rule", func(k string) fieldClass {
		if _, ok := comparisons[k]; ok {
			return fieldAny
		}
		switch k {
		case "Variable", "And", "Or", "Not", "Comment":
			return fieldAny
		case "Next", "Assign":
			if top {
				return fieldAny
			}
		case "Condition", "Output":
			return fieldJSONata
		}
		return fieldUnknown
	}, JSONPath)
	if !top {
		for _, k := range []string{"Next", "Assign"} {
			if m := r.member(k); m != nil {
				c.add(ruleChoiceRule, ptr, m, "only top-level Choice rules have %s; this one is inside And, Or or Not", k)
			}
		}
	}
	c.stringField(r, ptr, "Comment", false)
	var ops []*Member
	for i := range r.Members {
		m := &r.Members[i]
		if _, ok := comparisons[m.Key]; ok || m.Key == "And" || m.Key == "Or" || m.Key == "Not" {
			ops = append(ops, m)
		}
	}
	switch len(ops) {
	case 0:
		if r.member("Condition") == nil { // reported as a JSONata field
			c.addAt(ruleChoiceRule, ptr, r.Offset, "a Choice rule needs a comparison operator (StringEquals, NumericGreaterThan, IsPresent, ...) or And, Or, Not")
		}
		return
	case 1:
	default:
		c.add(ruleChoiceRule, ptr, ops[1], "a Choice rule has one operator; %s and %s are both given", ops[0].Key, ops[1].Key)
		return
	}
	op := ops[0]
	variable := r.member("Variable")
	switch op.Key {
	case "And", "Or":
		if variable != nil {
			c.add(ruleChoiceRule, ptr, variable, "%s combines rules; Variable belongs in the rules inside it", op.Key)
		}
		if op.Value.Kind != Array {
			c.typeErr(op, ptr, Array)
			return
		}
		if len(op.Value.Items) == 0 {
			c.add(ruleChoiceRule, ptr, op, "%s has no rule", op.Key)
		}
		for i, sub := range op.Value.Items {
			sptr := ptr + "/" + op.Key + "/" + strconv.Itoa(i)
			if sub.Kind != Object {
				c.addAt(ruleChoiceRule, sptr, sub.Offset, "a Choice rule is an object, not %s", an(sub.Kind))
				continue
			}
			c.rule(sub, sptr, false, depth+1)
		}
		return
	case "Not":
		if variable != nil {
			c.add(ruleChoiceRule, ptr, variable, "Not negates a rule; Variable belongs in the rule inside it")
		}
		if op.Value.Kind != Object {
			c.typeErr(op, ptr, Object)
			return
		}
		c.rule(op.Value, ptr+"/Not", false, depth+1)
		return
	}
	if variable == nil {
		c.add(ruleChoiceRule, ptr, op, "%s needs Variable, the path of the value to compare", op.Key)
	} else if variable.Value.Kind != String {
		c.typeErr(variable, ptr, String)
	} else {
		c.pathValue(variable, ptr, false, true)
	}
	c.comparisonValue(op, ptr)
}

// comparisonValue checks the value of a comparison operator.
func (c *checker) comparisonValue(op *Member, ptr string) {
	v := op.Value
	switch kind := comparisons[op.Key]; kind {
	case "string", "pattern":
		if v.Kind != String {
			c.add(ruleChoiceValue, ptr, op, "%s compares with a string, not %s", op.Key, an(v.Kind))
		} else if kind == "pattern" && strings.HasSuffix(v.Str, "\\") && !strings.HasSuffix(v.Str, "\\\\") {
			c.add(ruleChoiceValue, ptr, op, "StringMatches pattern %q ends in a lone backslash (escape * as \\\\* and \\ as \\\\\\\\)", clip(v.Str))
		}
	case "number":
		if v.Kind != Number {
			c.add(ruleChoiceValue, ptr, op, "%s compares with a number, not %s", op.Key, an(v.Kind))
		}
	case "boolean":
		if v.Kind != Bool {
			c.add(ruleChoiceValue, ptr, op, "%s takes true or false, not %s", op.Key, an(v.Kind))
		}
	case "timestamp":
		if v.Kind != String {
			c.add(ruleChoiceValue, ptr, op, "%s compares with a timestamp string, not %s", op.Key, an(v.Kind))
		} else if !isTimestamp(v.Str) {
			c.add(ruleChoiceValue, ptr, op, "%s: %q is not an RFC 3339 timestamp with an uppercase T and Z or an offset", op.Key, clip(v.Str))
		}
	case "path":
		if v.Kind != String {
			c.add(ruleChoiceValue, ptr, op, "%s takes a path, not %s", op.Key, an(v.Kind))
		} else if err := checkPath(v.Str, true); err != nil {
			c.add(ruleChoiceValue, ptr, op, "%s %q: %v", op.Key, clip(v.Str), err)
		}
	}
}
