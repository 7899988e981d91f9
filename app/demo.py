def load_demo(password: str) -> str:
    return "demo data TBD"
