package annotations_test

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// Example_quickStart is the README's library quick start, kept compiling
// and running here: read a catalog file, validate each entity, read its
// annotations and the role of one environment.
func Example_quickStart() {
	data, err := os.ReadFile("../../examples/catalog/stepfunctions/catalog-info.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	docs, err := catalog.Decode("catalog-info.yaml", data, catalog.DecodeOptions{})
	if err != nil {
		fmt.Println(err) // *catalog.DecodeError: file, line, column
	}
	for _, d := range docs {
		if d.Err != nil {
			fmt.Println(d.Err)
			continue
		}
		if err := catalog.Validate(d.Entity); err != nil {
			var ve *catalog.ValidationError // every problem with file, line, field
			if errors.As(err, &ve) {
				fmt.Println(len(ve.Problems), "problems")
			}
			continue
		}
		targets, err := annotations.Read(d.Entity) // typed ARNs, roles per environment
		if err != nil {
			fmt.Println(err)
		}
		env, err := targets.ForEnvironment("production") // nil-safe after an error
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(d.Entity.Ref(), env.Role.Account)
	}
	// Output:
	// component:default/order-fulfilment 111111111111
}

// TestNilSafe: after Read's error its nil *Targets answers ForEnvironment
// and SubstitutionsFor without a panic.
func TestNilSafe(t *testing.T) {
	docs, _ := catalog.Decode("c.yaml", []byte("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  annotations:\n    stagecrew.dev/role-arn: nope\nspec: {type: s, lifecycle: p, owner: o}\n"), catalog.DecodeOptions{})
	targets, err := annotations.Read(docs[0].Entity)
	if err == nil {
		t.Fatal("Read of a bad role ARN: no error")
	}
	if _, err := targets.ForEnvironment("production"); !errors.Is(err, annotations.ErrNoRole) {
		t.Errorf("ForEnvironment after Read's error: %v", err)
	}
	var none *annotations.Targets
	if _, err := none.ForEnvironment("production"); !errors.Is(err, annotations.ErrNoRole) {
		t.Errorf("nil ForEnvironment: %v", err)
	}
	if none.SubstitutionsFor("production") != nil {
		t.Error("nil SubstitutionsFor is not nil")
	}
}
