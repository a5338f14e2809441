package annotations

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// TestReadDeployAnnotations: the alias of each environment and the
// definition substitutions, per environment beating the default name by
// name; wrong values are problems on their keys.
func TestReadDeployAnnotations(t *testing.T) {
	e := decode(t, head+`    stagecrew.dev/environments: "staging, production"
    stagecrew.dev/role-arn: `+roleP+`
    aws.amazon.com/aws-stepfunctions-state-machine-arn: `+smProd+`
    stagecrew.dev/state-machine-alias.staging: staging
    stagecrew.dev/state-machine-alias.production: live
    stagecrew.dev/definition-substitutions: "Table=orders, Timeout=30"
    stagecrew.dev/definition-substitutions.staging: Table=orders-staging
`)
	tg, err := Read(e)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := tg.ForEnvironment("staging")
	pr, _ := tg.ForEnvironment("production")
	if st.StateMachineAlias != "staging" || pr.StateMachineAlias != "live" {
		t.Errorf("aliases %q %q", st.StateMachineAlias, pr.StateMachineAlias)
	}
	if got := tg.SubstitutionsFor("staging"); !maps.Equal(got, map[string]string{"Table": "orders-staging", "Timeout": "30"}) {
		t.Errorf("staging substitutions %v", got)
	}
	if got := tg.SubstitutionsFor("production"); !maps.Equal(got, map[string]string{"Table": "orders", "Timeout": "30"}) {
		t.Errorf("production substitutions %v", got)
	}
	back, err := tg.Annotations()
	if err != nil {
		t.Fatal(err)
	}
	if back[KeyStateMachineAliasFor("production")] != "live" || back[KeyDefinitionSubstitutionsFor("staging")] != "Table=orders-staging" ||
		back[KeyDefinitionSubstitutions] != "Table=orders, Timeout=30" {
		t.Errorf("round trip %v", back)
	}

	bad := decode(t, head+`    stagecrew.dev/state-machine-alias.staging: "42"
    stagecrew.dev/definition-substitutions: "Table=a, Table=b"
    stagecrew.dev/definition-substitution.staging: A=1
`)
	_, err = Read(bad)
	var ve *catalog.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 3 {
		t.Fatalf("Read = %v", err)
	}
	for i, want := range []string{"not a state machine alias name", "given twice", "did you mean stagecrew.dev/definition-substitutions.staging"} {
		if !strings.Contains(ve.Problems[i].Message, want) {
			t.Errorf("problem %d %q, want %q", i, ve.Problems[i].Message, want)
		}
	}
}

func TestParseSubstitutionLines(t *testing.T) {
	got, err := ParseSubstitutionLines("Queue=https://sqs/q?a=1,b=2\n\n  Timeout = 30  \n")
	if err != nil || !maps.Equal(got, map[string]string{"Queue": "https://sqs/q?a=1,b=2", "Timeout": "30"}) {
		t.Errorf("ParseSubstitutionLines = %v, %v", got, err)
	}
	if _, err := ParseSubstitutionLines("9x=1"); err == nil {
		t.Error("a name starting with a digit passed")
	}
}

func FuzzParseSubstitutions(f *testing.F) {
	f.Add("A=1, B=two")
	f.Add("A=1\nB=x,y")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseSubstitutions(s)
		if err != nil {
			return
		}
		// What is read writes back to the same pairs.
		again, err := ParseSubstitutions(FormatSubstitutions(m))
		if err != nil || !maps.Equal(m, again) {
			t.Fatalf("%q: %v, again %v, %v", s, m, again, err)
		}
	})
}
