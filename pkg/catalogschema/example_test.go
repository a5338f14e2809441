package catalogschema_test

import (
	"fmt"

	"github.com/stagecrew/stagecrew/pkg/catalogschema"
	"github.com/stagecrew/stagecrew/pkg/schema"
)

func ExampleEntity() {
	s := catalogschema.Entity()
	b, err := schema.Marshal(s)
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Version, len(b) > 0)
	// Output:
	// http://json-schema.org/draft-07/schema# true
}
