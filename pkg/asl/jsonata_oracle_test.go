package asl_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/asl"
)

// jsonataSeeds are valid expressions of the constructs JSONata has; the
// test mutates them into thousands of near-misses.
var jsonataSeeds = []string{
	`$states.input.items[price > 10].name`, `$sum($states.input.a) + 1`, `{"a": $x, "c": [1, 2, 3]}`,
	`$x ? "a" : "b"`, `Account.Order.Product.%.OrderID`, `$map($a, function($v, $i) { $v * $i })`,
	`Account.Order#$i.Product`, `Account.Order@$o.Product`, `$ ~> |items|{"x": 1}, ["y"]|`,
	`$partial($substring, ?, 0, 5)`, `$match("abc", /b+/i)`, `( $a := 1; $a + 2 )`, `a ^(>b, <c)`,
	`[1..5, 7]`, `a{b: c}`, `a[]`, `function($a)<n:n>{$a}(1)`, "`a b`.c", `/* c */ 1 /* d */`,
	`- -1`, `"\u00e9" & 'x'`, `$not(true) and false or null in [null]`, `a.(b; c)`, `**.x[0].*`,
	`$count($) >= 1 != (2 <= 3)`, `λ($x){$x}`,
}

// jsonataPostParse are the reference implementation's errors raised after
// parsing, which pkg/asl does not look for (see the package's jsonata.go).
var jsonataPostParse = regexp.MustCompile(`^S02(10|17)$`)

// TestJSONataAgainstReference mutates the seeds (tokens inserted and
// characters deleted) and checks that pkg/asl's JSONata checker accepts
// exactly what the npm jsonata parser accepts, apart from: ?: and ??
// (JSONata 2.1, which Step Functions' 2.0.6 lacks), errors jsonata raises
// after parsing (S0210, S0217), and regular expressions JavaScript cannot
// compile (pkg/asl checks where they end, not their syntax).
func TestJSONataAgainstReference(t *testing.T) {
	dir := testenv.NPM(t, "test/npm")
	if t.Skipped() || t.Failed() {
		return
	}
	toks := []string{"$a", "$", "$$", "a", ".", "[", "]", "(", ")", "{", "}", ",", ";", ":", "?", "+", "-", "*", "/",
		"%", "&", "=", "!=", "<", ">=", "and", "in", "~>", "..", ":=", "@", "#", "^", "|", `"s"`, "'t'", "1", "2.5",
		"true", "null", "function", "/x/i", "**", "$f(", "`n m`", "/*c*/", "\\", "!", "~"}
	r := rand.New(rand.NewPCG(12, 6))
	exprs := append([]string(nil), jsonataSeeds...)
	for len(exprs) < 3000 {
		e := jsonataSeeds[r.IntN(len(jsonataSeeds))]
		for m := 0; m < 1+r.IntN(3); m++ {
			pos := r.IntN(len(e) + 1)
			switch r.IntN(3) {
			case 0:
				e = e[:pos] + toks[r.IntN(len(toks))] + e[pos:]
			case 1:
				if pos < len(e) {
					e = e[:pos] + e[pos+1:]
				}
			default:
				e = e[:pos] + " " + toks[r.IntN(len(toks))] + " " + e[pos:]
			}
		}
		exprs = append(exprs, e)
	}
	var in bytes.Buffer
	for _, e := range exprs {
		b, _ := json.Marshal(e)
		in.Write(append(b, '\n'))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "jsonata-parse.js"))
	cmd.Dir = dir
	cmd.Stdin = &in
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node jsonata-parse.js: %v\n%s", err, stderr.String())
	}
	sc := bufio.NewScanner(&stdout)
	i, compared := 0, 0
	for ; sc.Scan(); i++ {
		var ref struct {
			OK      bool
			Code    string
			Message string
		}
		if err := json.Unmarshal(sc.Bytes(), &ref); err != nil || i >= len(exprs) {
			t.Fatalf("line %d of jsonata-parse.js: %v", i+1, err)
		}
		e := exprs[i]
		if strings.Contains(e, "??") || strings.Contains(e, "?:") || jsonataPostParse.MatchString(ref.Code) ||
			strings.Contains(ref.Message, "Invalid regular expression") {
			continue
		}
		compared++
		def := `{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true, "Output": ` +
			mustJSON(t, "{%"+e+"%}") + `}}}`
		ours := true
		for _, f := range asl.Validate([]byte(def)) {
			if f.Rule == "jsonata" && !strings.Contains(f.Message, "not available in Step Functions") {
				ours = false
			}
		}
		if ours != ref.OK {
			t.Errorf("%q: pkg/asl valid=%v, jsonata valid=%v (%s %s)", e, ours, ref.OK, ref.Code, ref.Message)
		}
	}
	if i != len(exprs) {
		t.Fatalf("jsonata-parse.js judged %d of %d expressions", i, len(exprs))
	}
	t.Logf("%d expressions, %d compared with the reference parser", len(exprs), compared)
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
