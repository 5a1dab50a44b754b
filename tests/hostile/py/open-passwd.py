try:
    print(open("/etc/passwd").read())
except Exception as e:
    print("no")
