"""Running Copse as several processes: the recipe's files and the local stack."""
