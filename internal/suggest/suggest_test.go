package suggest

import (
	"fmt"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"a", "", 1}, {"", "ab", 2}, {"kitten", "sitting", 3}, {"entity", "entty", 1}, {"role-arn", "role-arn", 0}} {
		if d := Distance(tt.a, tt.b); d != tt.d {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, d, tt.d)
		}
	}
}

func TestClosest(t *testing.T) {
	if c, d := Closest("entty", []string{"environment", "entity", "entry"}); c != "entity" || d != 1 {
		t.Errorf("Closest = %q, %d", c, d) // "entity" and "entry" tie at 1: the earlier wins
	}
	if c, d := Closest("x", nil); c != "" || d != -1 {
		t.Errorf("Closest of nothing = %q, %d", c, d)
	}
}

func ExampleClosest() {
	name, _ := Closest("role-arn-staging", []string{"environments", "role-arn.staging", "task-definition"})
	fmt.Println(name)
	// Output: role-arn.staging
}
