package asl

import "testing"

// jsonataCases were judged by the npm jsonata package 2.2.2 (the parser of the
// reference implementation), except ?: and ??, which came with 2.1 and
// which Step Functions (JSONata 2.0.6) does not have. Semantic errors
// jsonata reports after parsing (S0210 two group-bys in a step, S0217 a
// parent operator with no parent) are not checked here.
var jsonataCases = []struct {
	expr  string
	valid bool
}{
	{"$states.input.x", true},
	{"$states.input.items[price > 10].name", true},
	{"$sum($states.input.a) + 1", true},
	{"{\"a\": $states.input.b, \"c\": [1,2,3]}", true},
	{"$x ? \"a\" : \"b\"", true},
	{"$x ?: \"d\"", false},
	{"$x ?? \"d\"", false},
	{"Account.Order.Product.%.OrderID", true},
	{"$states.input ~> $map(function($v){$v*2})", true},
	{"Account.Order#$i.Product", true},
	{"Account.Order@$o.Product", true},
	{"$ ~> |Account.Order|{\"x\":1}|", true},
	{"$ ~> |Account.Order|{\"x\":1}, [\"y\"]|", true},
	{"$partial($substring, ?, 0, 5)", true},
	{"/ab+c/i", true},
	{"$match(\"abc\", /b+/)", true},
	{"a / b", true},
	{"$states.context.Execution.Id & \"x\"", true},
	{"(  $a := 1; $a + 2 )", true},
	{"$uuid()", true},
	{"1 +", false},
	{"foo(", false},
	{"\"unterminated", false},
	{"a[", false},
	{"$x.", false},
	{"$states.input.a in [1,2]", true},
	{"**.x", true},
	{"*.x", true},
	{"$[0]", true},
	{"a ^(>b, <c)", true},
	{"$eval(\"1\")", true},
	{"$$.a", true},
	{"[1..5]", true},
	{"[1..5, 7]", true},
	{"a{b: c}", true},
	{"a[]", true},
	{"function($a, $b){$a+$b}(1,2)", true},
	{"function($a)<n:n>{$a}(1)", true},
	{"function(a){a}", false},
	{"1 := 2", false},
	{"a @ b", false},
	{"!a", false},
	{"a ~ b", false},
	{"`a b`.c", true},
	{"/* c */ 1", true},
	{"/* c 1", false},
	{"1 /* c */", true},
	{"-1", true},
	{"- -1", true},
	{"\"\\u00e9\"", true},
	{"\"\\q\"", false},
	{"a.b.c[0].d", true},
	{"$count($states.input)>0", true},
	{"$not(true) and false or null", true},
	{"{}", true},
	{"[]", true},
	{"()", true},
	{"1;2", false},
	{"(1;2)", true},
	{"a..b", false},
	{"a.(b; c)", true},
	{"$string(1e3)", true},
	{"1e", false},
	{"0123", false},
	{"$states.input.a = 'x'", true},
	{"a[0][1]", true},
	{"  ", false},
	{")", false},
	{"a b", false},
	{"$f := function($x) { $x }; $f(1)", false},
	{"λ($x){$x}", true},
	{"$x?1", true},
	{"?", false},
	{"a.%", true},
	{"$.a", true},
	{"$", true},
	{"$$", true},
	{"true.a", false},
	{"1.a", false},
	{"a.\"b\"", true},
	{"{ 'a' : 1, 'b': 2 }", true},
	{"{ 'a' : 1 'b': 2 }", false},
	{"[1,2", false},
	{"a[b", false},
	{"a ^(b", false},
	{"|a|b|", true},
	{"|a|b", false},
	{"a < b and c >= d and e != f", true},
	{"$x = 1 ? 'a' : 'b'", true},
	{"a.b ~> $f()", true},
	{"$f(?)", true},
	{"function($ or a, $b){$a}(1,2)", false},
	{"λ($:=x){$x}", false},
	{"a@$x.b", true},
	{"a@($x)", false},
}

func TestJSONataSyntax(t *testing.T) {
	for _, tc := range jsonataCases {
		_, err := parseJSONata(tc.expr)
		if (err == nil) != tc.valid {
			t.Errorf("parseJSONata(%q): error %v, want valid=%v", tc.expr, err, tc.valid)
		}
	}
}

func TestJSONataInfo(t *testing.T) {
	info, err := parseJSONata(`$states.result.Payload & $states.input.x & $eval("1")`)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.statesFields; len(got) != 2 || got[0] != "result" || got[1] != "input" {
		t.Errorf("statesFields = %q, want [result input]", got)
	}
	if got := info.unsupported; len(got) != 1 || got[0] != "$eval" {
		t.Errorf("unsupported = %q, want [$eval]", got)
	}
}
