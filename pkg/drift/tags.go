package drift

// Tags stagecrew reads on AWS resources. No other tag key of stagecrew
// existed before these; they follow its annotation prefix.
const (
	// TagEntity names the catalog entity a resource belongs to, as an
	// entity ref ("component:default/payments"; a bare name means a
	// Component in the default namespace).
	TagEntity = "stagecrew.dev/entity"
	// TagOwner names the owner of a resource, as an entity ref
	// ("group:default/payments-team"; a bare name means a Group).
	TagOwner = "stagecrew.dev/owner"
)
