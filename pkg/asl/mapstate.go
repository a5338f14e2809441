package asl

func (c *checker) mapState(s *State, ptr string, ql QueryLanguage) {}
