"""The only package that speaks SQL: schema, connections, parameterised queries, atomic writes."""
