# Python 2 leftovers cannot be analysed: reported as FLK000.
def rotate(key):
    print "rotating", key  # FLK000
